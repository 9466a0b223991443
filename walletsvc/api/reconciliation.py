"""The daily reconciliation report, behind its own bearer key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from walletsvc.api.auth import require_allowed_address, require_bearer
from walletsvc.api.contract import contract
from walletsvc.presenters.gpas import reconciliation_rows
from walletsvc.schemas.reconciliation import (
    ReconciliationQuerySchema,
    ReconciliationReportSchema,
)
from walletsvc.services import services

bp = Blueprint("reconciliation", __name__)


@bp.before_request
def authenticate() -> None:
    """Require a GPAS address, then the reconciliation key (no operator token), constant-time."""
    config = services().config
    require_allowed_address(config.gpas_allowed_ips)
    require_bearer(config.reconciliation_api_key)


@bp.get("/reconciliation")
@contract(query=ReconciliationQuerySchema, answer=ReconciliationReportSchema,
          description="One row per (UTC date, provider, game, currency)")
def report(query: dict[str, Any]) -> dict[str, Any]:
    """Return one row per (UTC date, provider, game, currency) of the inclusive date range."""
    rows = services().reconciliation.report(
        query["date_from"], query["date_to"], query.get("provider_code"))
    return {"status": "success", "data": reconciliation_rows(rows)}
