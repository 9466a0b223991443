"""The daily reconciliation report, behind its own bearer key."""

from __future__ import annotations

from flask import Blueprint, Response

from walletsvc.api.common import load_args, require_bearer, respond, services
from walletsvc.schemas.reconciliation import ReconciliationArgsSchema, ReconciliationReportSchema

bp = Blueprint("reconciliation", __name__)


@bp.before_request
def authenticate() -> None:
    """Require the reconciliation key (not the admin key), compared in constant time."""
    require_bearer(services().config.reconciliation_api_key)


@bp.get("/reconciliation")
def report() -> Response:
    """Return one row per (UTC date, provider, game, currency) of the inclusive date range."""
    args = load_args(ReconciliationArgsSchema())
    rows = services().reconciliation.report(
        args["date_from"], args["date_to"], args.get("provider_code"))
    return respond(ReconciliationReportSchema(), {"status": "success", "data": rows})
