"""Debits (bets), credits (wins) and rollbacks: one path, from the request to the answer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from walletsvc.api.contract import contract
from walletsvc.context import current_request
from walletsvc.models import MovementKind, MovementRequest
from walletsvc.observability import metrics
from walletsvc.presenters.gpas import movement_result
from walletsvc.schemas.gpas import (
    CreditRequestSchema,
    DebitRequestSchema,
    MovementResultSchema,
    RollbackQuerySchema,
    RollbackRequestSchema,
    WalletSessionQuerySchema,
)
from walletsvc.services import services

bp = Blueprint("movements", __name__)

_MOVED = "The movement was applied; balances after it"
# A movement's rollback takes the session from its request and the reference from its body.
_ROLL_BACK = {"RollBack": ("gpas_movements_rollback", {
    "walletSessionId": "$request.query.walletSessionId",
    "externalMovementId": "$request.body#/externalReference"})}


def _move(kind: MovementKind, query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply the movement the schemas let through; count it unless it was a replay."""
    found = services()
    moved = found.gpas.move(MovementRequest(
        kind=kind,
        session_id=query["walletSessionId"],
        parent_system=g.parent_system,
        reference=body["externalReference"],
        description=body["description"],
        tags=body["tags"],
        raw_body=current_request().get_data(cache=True),
        value=body.get("value", 0),
        type_code=body.get("typeCode", ""),
        reverses=query.get("externalMovementId", ""),
    ))
    if not moved.applied.replayed:
        metrics.observe_movement(kind, moved.currency, moved.applied.amount)
    return movement_result(moved, found.config.wallet_code,
                           found.currencies.scale(moved.currency))


@bp.post("/movements/debit")
@contract(query=WalletSessionQuerySchema, body=DebitRequestSchema, answer=MovementResultSchema,
          description=_MOVED, links=_ROLL_BACK)
def debit(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Take a bet from the wallet: REAL first, then BONUS."""
    return _move("debit", query, body)


@bp.post("/movements/credit")
@contract(query=WalletSessionQuerySchema, body=CreditRequestSchema, answer=MovementResultSchema,
          description=_MOVED, links=_ROLL_BACK)
def credit(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Pay a win into REAL."""
    return _move("credit", query, body)


@bp.patch("/movements/rollback")
@contract(query=RollbackQuerySchema, body=RollbackRequestSchema, answer=MovementResultSchema,
          description=_MOVED)
def rollback(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Reverse the whole movement named by ``externalMovementId``."""
    return _move("rollback", query, body)
