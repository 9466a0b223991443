"""Wallet sessions: open with a launch token, close."""

from __future__ import annotations

from flask import Blueprint, Response, g

from walletsvc.api.common import bearer_token, load_args, respond, services
from walletsvc.domain.clock import iso_utc
from walletsvc.errors import InvalidAuthToken
from walletsvc.schemas.gpas import CloseArgsSchema, SessionQueryArgsSchema, SessionSchema

bp = Blueprint("sessions", __name__)


@bp.post("/sessions")
def open_session() -> Response:
    """Open a wallet session with the launch token in the Authorization header."""
    args = load_args(SessionQueryArgsSchema)
    token = bearer_token()
    if token is None:
        raise InvalidAuthToken("missing bearer token")
    opened = services().gpas.open_session(g.parent_system, args["walletId"], token)
    return respond(SessionSchema, {
        "id": opened.session_id,
        "walletId": opened.wallet_id,
        "created": iso_utc(opened.created_ms),
        "status": "OPEN",
    })


@bp.patch("/sessions/close")
def close_session() -> Response:
    """Close an open wallet session; the answer has an empty body."""
    args = load_args(CloseArgsSchema)
    services().gpas.close(g.parent_system, args["id"])
    return Response(status=200)
