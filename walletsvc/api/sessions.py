"""Wallet sessions: open with a launch token, close."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from walletsvc.api.auth import bearer_token
from walletsvc.api.contract import contract
from walletsvc.clock import iso_utc
from walletsvc.errors import InvalidAuthToken
from walletsvc.schemas.gpas import CloseSessionQuerySchema, OpenSessionQuerySchema, SessionSchema
from walletsvc.services import services

bp = Blueprint("sessions", __name__)

_SESSION = {"walletSessionId": "$response.body#/id"}
_OPEN_SESSION_LINKS = {
    "Balance": ("gpas_wallets_balance", _SESSION),
    "Debit": ("gpas_movements_debit", _SESSION),
    "Credit": ("gpas_movements_credit", _SESSION),
    "Close": ("gpas_sessions_close_session", {"id": "$response.body#/id"}),
    "Story": ("admin_get_session", {"session_id": "$response.body#/id"}),
}


@bp.post("/sessions")
@contract(query=OpenSessionQuerySchema, answer=SessionSchema, description="The session is open",
          links=_OPEN_SESSION_LINKS)
def open_session(query: dict[str, Any]) -> dict[str, Any]:
    """Open a wallet session with the launch token in the Authorization header."""
    token = bearer_token()
    if token is None:
        raise InvalidAuthToken("missing bearer token")
    opened = services().gpas.open_session(g.parent_system, query["walletId"], token)
    return {
        "id": opened.session_id,
        "walletId": opened.wallet_id,
        "created": iso_utc(opened.created_ms),
        "status": "OPEN",
    }


@bp.patch("/sessions/close")
@contract(query=CloseSessionQuerySchema, description="The session is closed (empty body)")
def close_session(query: dict[str, Any]) -> None:
    """Close an open wallet session; the answer has an empty body."""
    services().gpas.close(g.parent_system, query["id"])
