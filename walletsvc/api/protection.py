"""Player protection in the operator's admin API: limits, pauses and self-exclusion."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from walletsvc.api.auth import require_bearer
from walletsvc.api.contract import contract
from walletsvc.clock import epoch_ms
from walletsvc.schemas.protection import (
    LimitCancelRequestSchema,
    LimitChangeRequestSchema,
    PauseLiftRequestSchema,
    PauseRequestSchema,
    ProtectionSchema,
)
from walletsvc.services import services

bp = Blueprint("protection", __name__, url_prefix="/admin/wallets/<wallet_id>")
_REPORT = "The wallet's protection after the change"


@bp.before_request
def authenticate() -> None:
    """Require the admin key, compared in constant time."""
    require_bearer(services().config.admin_api_key)


def _period(body: dict[str, Any]) -> str | None:
    period = body.get("period")
    return None if period is None else str(period).lower()


@bp.get("/limits")
@contract(answer=ProtectionSchema, description="Limits, pending changes, use and pause")
def get_limits(wallet_id: str) -> dict[str, Any]:
    """Return the wallet's limits, pending changes, use per period, next resets and pause."""
    return services().protection.report(wallet_id)


@bp.post("/limits")
@contract(body=LimitChangeRequestSchema, answer=ProtectionSchema, description=_REPORT)
def set_limit(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Set or lower a limit (at once), raise or remove one (after the cooling-off)."""
    return services().protection.set_limit(
        wallet_id, body["limit"].lower(), _period(body), body["value"], body["by"])


@bp.post("/limits/cancel")
@contract(body=LimitCancelRequestSchema, answer=ProtectionSchema, errors=(404,),
          description=_REPORT)
def cancel_limit_change(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Cancel a limit's pending change."""
    return services().protection.cancel(
        wallet_id, body["limit"].lower(), _period(body), body["by"])


@bp.post("/pause")
@contract(body=PauseRequestSchema, answer=ProtectionSchema, description=_REPORT)
def pause(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Pause or self-exclude the player, until a time or indefinitely; never shortened."""
    until = body["until"]
    until_ms = None if until is None else epoch_ms(until)
    return services().protection.pause(
        wallet_id, "exclusion" if body["kind"] == "EXCLUSION" else "pause", until_ms,
        body["origin"].lower(), body["reason"], body["by"])


@bp.post("/pause/lift")
@contract(body=PauseLiftRequestSchema, answer=ProtectionSchema, description=_REPORT)
def lift_pause(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Lift an indefinite pause that has lasted its configured minimum."""
    return services().protection.lift(wallet_id, body["by"], body["reason"])
