"""Player protection in the operator's admin API: limits, pauses and self-exclusion."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

from walletsvc.access import roles
from walletsvc.access.guard import guarded, note
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


def period_of(body: dict[str, Any]) -> str | None:
    """Return the period a body names, as the domain names it (day, week, month)."""
    period = body.get("period")
    return None if period is None else str(period).lower()


@bp.get("/limits")
@guarded(roles.READ_PLAYER, "limits.view", "wallet_id")
@contract(answer=ProtectionSchema, description="Limits, pending changes, use and pause")
def get_limits(wallet_id: str) -> dict[str, Any]:
    """Return the wallet's limits, pending changes, use per period, next resets and pause."""
    return services().protection.report(wallet_id)


@bp.post("/limits")
@guarded(roles.PROTECT_PLAYER, "limits.set", "wallet_id")
@contract(body=LimitChangeRequestSchema, answer=ProtectionSchema, description=_REPORT)
def set_limit(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Set or lower a limit (at once), raise or remove one (after the cooling-off)."""
    return changed(wallet_id, lambda: services().protection.set_limit(
        wallet_id, body["limit"].lower(), period_of(body), body["value"], body["by"]))


@bp.post("/limits/cancel")
@guarded(roles.PROTECT_PLAYER, "limits.cancel", "wallet_id")
@contract(body=LimitCancelRequestSchema, answer=ProtectionSchema, errors=(404,),
          description=_REPORT)
def cancel_limit_change(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Cancel a limit's pending change."""
    return changed(wallet_id, lambda: services().protection.cancel(
        wallet_id, body["limit"].lower(), period_of(body), body["by"]))


@bp.post("/pause")
@guarded(roles.PROTECT_PLAYER, "player.pause", "wallet_id")
@contract(body=PauseRequestSchema, answer=ProtectionSchema, description=_REPORT)
def pause(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Pause or self-exclude the player, until a time or indefinitely; never shortened."""
    until = body["until"]
    until_ms = None if until is None else epoch_ms(until)
    return changed(wallet_id, lambda: services().protection.pause(
        wallet_id, "exclusion" if body["kind"] == "EXCLUSION" else "pause", until_ms,
        body["origin"].lower(), body["reason"], body["by"]))


@bp.post("/pause/lift")
@guarded(roles.LIFT_PROTECTION, "player.pause-lift", "wallet_id")
@contract(body=PauseLiftRequestSchema, answer=ProtectionSchema, description=_REPORT)
def lift_pause(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Lift an indefinite pause that has lasted its configured minimum."""
    return changed(wallet_id,
                    lambda: services().protection.lift(wallet_id, body["by"], body["reason"]))


def changed(wallet_id: str, change: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Make ``change``; note the wallet's limits and pause before and after it."""
    before = services().protection.report(wallet_id)
    after = change()
    note(before={"limits": before.get("limits"), "pause": before.get("pause")},
         after={"limits": after.get("limits"), "pause": after.get("pause")})
    return after
