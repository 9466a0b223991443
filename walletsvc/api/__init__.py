"""HTTP blueprints, one per resource."""

from __future__ import annotations

from flask import Flask

from walletsvc.api import admin, gpas, health, ledger, metrics, openapi, reconciliation
from walletsvc.api.json_body import refuse_oversized_stream


def register_blueprints(app: Flask) -> None:
    """Mount the GPAS routes, reconciliation, the admin API and its ledger reports, health
    checks and metrics."""
    app.before_request(refuse_oversized_stream)
    app.register_blueprint(gpas.bp)
    app.register_blueprint(reconciliation.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(ledger.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(metrics.bp)
