"""HTTP blueprints, one per resource, grouped by the process that serves them.

GPAS's workers serve GPAS's calls and nothing else; the operator's workers serve what people
and their tools ask for (the admin API, the ledger's reports, the API's documentation, the
support console of walletsvc/console), whose cost must never delay a movement. Both answer
health checks and their own metrics. The OpenAPI document, served by the operator, describes
the routes of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from flask import Blueprint, Flask

from walletsvc.api import (
    admin,
    approvals,
    audit,
    gpas,
    health,
    ledger,
    metrics,
    openapi,
    operators,
    protection,
    reconciliation,
    signin,
)
from walletsvc.api.json_body import refuse_oversized_stream
from walletsvc.console.web import bp as console_bp

Process = Literal["gpas", "operator"]
PROCESSES: tuple[Process, ...] = ("gpas", "operator")
BLUEPRINTS: dict[Process, tuple[Blueprint, ...]] = {
    "gpas": (gpas.bp, reconciliation.bp),
    "operator": (admin.bp, approvals.bp, protection.bp, ledger.bp, operators.bp, audit.bp,
                 signin.bp, openapi.bp, console_bp),
}
_EVERY_PROCESS = (health.bp, metrics.bp)


def register_blueprints(app: Flask, serves: Iterable[Process]) -> None:
    """Mount the routes of the processes ``app`` serves, and health checks and metrics."""
    app.before_request(refuse_oversized_stream)
    app.config["WALLETSVC_SERVES"] = tuple(serves)
    for process in serves:
        for blueprint in BLUEPRINTS[process]:
            app.register_blueprint(blueprint)
    for blueprint in _EVERY_PROCESS:
        app.register_blueprint(blueprint)
    openapi.document_routes(app, [bp for group in BLUEPRINTS.values() for bp in group])
