"""Debits (bets), credits (wins) and rollbacks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, request
from marshmallow import Schema

from walletsvc.api.common import load_args, load_body, respond, services
from walletsvc.api.presenters import movement_result
from walletsvc.domain.gpas import MovementRequest
from walletsvc.models import Applied, MovementKind
from walletsvc.observability import metrics
from walletsvc.schemas.gpas import (
    CreditRequestSchema,
    DebitRequestSchema,
    MovementResultSchema,
    RollbackArgsSchema,
    RollbackRequestSchema,
    WalletSessionArgsSchema,
)

bp = Blueprint("movements", __name__)


def _movement_request(args: dict[str, Any], body: dict[str, Any]) -> MovementRequest:
    return MovementRequest(
        session_id=args["walletSessionId"],
        reference=body["externalReference"],
        description=body["description"],
        tags=body["tags"],
        raw_body=request.get_data(cache=True),
        value=body.get("value", 0),
        type_code=body.get("typeCode", ""),
    )


def _answer(kind: str, applied: Applied, currency: str) -> Response:
    if not applied.replayed:
        metrics.observe_movement(kind, currency, applied.amount)
    return respond(MovementResultSchema, movement_result(applied, currency))


def _move(kind: MovementKind, schema: type[Schema]) -> Response:
    args = load_args(WalletSessionArgsSchema)
    body = load_body(schema)
    applied, currency = services().gpas.move(g.parent_system, kind, _movement_request(args, body))
    return _answer(kind, applied, currency)


@bp.post("/movements/debit")
def debit() -> Response:
    """Take a bet from the wallet: REAL first, then BONUS."""
    return _move("debit", DebitRequestSchema)


@bp.post("/movements/credit")
def credit() -> Response:
    """Pay a win into REAL."""
    return _move("credit", CreditRequestSchema)


@bp.patch("/movements/rollback")
def rollback() -> Response:
    """Reverse the whole movement named by ``externalMovementId``."""
    args = load_args(RollbackArgsSchema)
    body = load_body(RollbackRequestSchema)
    applied, currency = services().gpas.rollback(
        g.parent_system, args["externalMovementId"], _movement_request(args, body))
    return _answer("rollback", applied, currency)
