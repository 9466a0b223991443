"""The daily reconciliation report, behind its own bearer key."""

from __future__ import annotations

from flask import Blueprint, Response

from walletsvc.api.common import (
    load_args,
    require_allowed_address,
    require_bearer,
    respond,
    services,
)
from walletsvc.schemas.reconciliation import ReconciliationArgsSchema, ReconciliationReportSchema

bp = Blueprint("reconciliation", __name__)


@bp.before_request
def authenticate() -> None:
    """Require a GPAS address, then the reconciliation key (not the admin key), in constant time."""
    config = services().config
    require_allowed_address(config.gpas_allowed_ips)
    require_bearer(config.reconciliation_api_key)


@bp.get("/reconciliation")
def report() -> Response:
    """Return one row per (UTC date, provider, game, currency) of the inclusive date range."""
    args = load_args(ReconciliationArgsSchema)
    rows = services().reconciliation.report(
        args["date_from"], args["date_to"], args.get("provider_code"))
    return respond(ReconciliationReportSchema, {"status": "success", "data": rows})
