"""Player protection in the console: a limit set, removed or its pending change cancelled, a
pause or self-exclusion, a pause lifted, a wallet blocked or unblocked
(docs/player-protection.md). The forms are on the wallet's page; each posts here, is read with
the admin API's own schema and changes what the API's route changes, recorded the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import redirect, url_for
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.admin import set_blocked
from walletsvc.api.protection import changed, period_of
from walletsvc.clock import epoch_ms
from walletsvc.console.locale import amount_hint, read_amount
from walletsvc.console.web import bp
from walletsvc.context import current_request
from walletsvc.errors import InvalidRequest
from walletsvc.schemas.admin import BlockRequestSchema
from walletsvc.schemas.protection import (
    LimitCancelRequestSchema,
    LimitChangeRequestSchema,
    PauseLiftRequestSchema,
    PauseRequestSchema,
)
from walletsvc.services import services


@bp.post("/wallets/<wallet_id>/limits")
@guarded(roles.PROTECT_PLAYER, "limits.set", "wallet_id")
def set_limit(wallet_id: str) -> BaseResponse:
    """Set or lower a limit at once, or raise it after the cooling-off."""
    form = _form()
    value = read_amount(form.get("value", ""))
    if value is None:
        raise InvalidRequest(amount_hint())
    body = _load(LimitChangeRequestSchema, {
        "limit": form.get("limit"), "period": form.get("period") or None,
        "value": str(value), "by": _by(form), "reason": form.get("reason", "")})
    changed(wallet_id, lambda: services().protection.set_limit(
        wallet_id, body["limit"].lower(), period_of(body), body["value"], body["by"]))
    return _back(wallet_id)


@bp.post("/wallets/<wallet_id>/limits/remove")
@guarded(roles.PROTECT_PLAYER, "limits.set", "wallet_id")
def remove_limit(wallet_id: str) -> BaseResponse:
    """Remove a limit after the cooling-off: the admin API's change with no value, recorded as
    the API records it (a removal is a loosening: it waits, and is pending until then)."""
    form = _form()
    body = _load(LimitChangeRequestSchema, {
        "limit": form.get("limit"), "period": form.get("period") or None, "value": None,
        "by": _by(form), "reason": form.get("reason", "")})
    changed(wallet_id, lambda: services().protection.set_limit(
        wallet_id, body["limit"].lower(), period_of(body), None, body["by"]))
    return _back(wallet_id)


@bp.post("/wallets/<wallet_id>/limits/cancel")
@guarded(roles.PROTECT_PLAYER, "limits.cancel", "wallet_id")
def cancel_limit_change(wallet_id: str) -> BaseResponse:
    """Cancel a limit's pending change (a raise or a removal waiting for its cooling-off)."""
    form = _form()
    body = _load(LimitCancelRequestSchema, {
        "limit": form.get("limit"), "period": form.get("period") or None, "by": _by(form),
        "reason": form.get("reason", "")})
    changed(wallet_id, lambda: services().protection.cancel(
        wallet_id, body["limit"].lower(), period_of(body), body["by"]))
    return _back(wallet_id)


@bp.post("/wallets/<wallet_id>/block")
@guarded(roles.BLOCK_PLAYER, "player.block", "wallet_id")
def block(wallet_id: str) -> BaseResponse:
    """Block the player: no new sessions, no debits."""
    return _set_blocked(wallet_id, True)


@bp.post("/wallets/<wallet_id>/unblock")
@guarded(roles.BLOCK_PLAYER, "player.unblock", "wallet_id")
def unblock(wallet_id: str) -> BaseResponse:
    """Unblock the player."""
    return _set_blocked(wallet_id, False)


def _set_blocked(wallet_id: str, blocked: bool) -> BaseResponse:
    _load(BlockRequestSchema, {"reason": _form().get("reason", "")})
    set_blocked(wallet_id, blocked)
    return redirect(url_for("console.wallet", wallet_id=wallet_id), 303)


@bp.post("/wallets/<wallet_id>/pause")
@guarded(roles.PROTECT_PLAYER, "player.pause", "wallet_id")
def pause(wallet_id: str) -> BaseResponse:
    """Pause or self-exclude the player until a moment (UTC) or indefinitely."""
    form = _form()
    until = _until(form.get("until", ""))
    body = _load(PauseRequestSchema, {
        "kind": form.get("kind"), "until": until, "origin": form.get("origin"),
        "reason": form.get("reason", ""), "by": _by(form)})
    until_ms = None if body["until"] is None else epoch_ms(body["until"])
    changed(wallet_id, lambda: services().protection.pause(
        wallet_id, "exclusion" if body["kind"] == "EXCLUSION" else "pause", until_ms,
        body["origin"].lower(), body["reason"], body["by"]))
    return _back(wallet_id)


@bp.post("/wallets/<wallet_id>/pause/lift")
@guarded(roles.LIFT_PROTECTION, "player.pause-lift", "wallet_id")
def lift_pause(wallet_id: str) -> BaseResponse:
    """Lift an indefinite pause that has lasted its configured minimum."""
    form = _form()
    body = _load(PauseLiftRequestSchema, {"reason": form.get("reason", ""), "by": _by(form)})
    changed(wallet_id, lambda: services().protection.lift(wallet_id, body["by"],
                                                          body["reason"]))
    return _back(wallet_id)


def _form() -> dict[str, str]:
    return {name: value.strip() for name, value in current_request().form.items()
            if name != "csrf_token"}


def _by(form: dict[str, str]) -> str:
    """Who asks: the player, a register, or (unless the form says) the operator."""
    return form.get("by") or acting().operator.name


def _until(written: str) -> str | None:
    """Read the form's date and time (UTC, as the console shows times); empty: indefinite."""
    if not written:
        return None
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        raise InvalidRequest("the end is not a date and time") from None
    return moment.replace(tzinfo=moment.tzinfo or UTC).isoformat()


def _load(schema: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = schema().load(data)
    except ValidationError as exc:
        raise InvalidRequest(details={"fields": exc.messages}) from None
    if loaded.get("reason"):
        note(reason=str(loaded["reason"]))
    return loaded


def _back(wallet_id: str) -> BaseResponse:
    return redirect(url_for("console.wallet", wallet_id=wallet_id, _anchor="limits"), 303)
