"""The operator's admin API: wallets, the cashier's money, blocks, launch tokens, sessions.

Each route names the roles that may call it and what the audit log records
(walletsvc/access/guard.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from walletsvc.access import roles
from walletsvc.access.guard import guarded, note
from walletsvc.api.contract import contract
from walletsvc.errors import ResourceNotFound
from walletsvc.models import SUB_WALLETS, AdjustmentKind
from walletsvc.presenters.operator import (
    adjustment_view,
    movement_page_view,
    session_view,
    token_view,
    wallet_view,
)
from walletsvc.schemas.admin import (
    AdjustmentRequestSchema,
    AdjustmentResultSchema,
    BlockRequestSchema,
    LaunchTokenRequestSchema,
    LaunchTokenSchema,
    MovementPageSchema,
    PageQuerySchema,
    SessionDetailSchema,
    SessionListSchema,
    WalletCreateRequestSchema,
    WalletSchema,
)
from walletsvc.services import services

bp = Blueprint("admin", __name__, url_prefix="/admin")

_ADJUSTED = "Applied, or replayed for a known reference"
_WALLET = {"wallet_id": "$response.body#/walletId"}
_OPEN_SESSION = {"OpenSession": ("gpas_sessions_open_session",
                                 {"walletId": "$response.body#/walletId"})}
_NEW_WALLET_LINKS = {
    "GetWallet": ("admin_get_wallet", _WALLET),
    "Deposit": ("admin_deposit", _WALLET),
    "Withdraw": ("admin_withdraw", _WALLET),
    "Block": ("admin_block", _WALLET),
    "Unblock": ("admin_unblock", _WALLET),
    "ListSessions": ("admin_list_sessions", _WALLET),
    "ListMovements": ("admin_list_movements", _WALLET),
    "IssueLaunchToken": ("admin_issue_launch_token",
                         {"requestBody": {"walletId": "$response.body#/walletId"}}),
    **_OPEN_SESSION,
}


@bp.post("/wallets")
@guarded(roles.CREATE_WALLET, "wallet.create")
@contract(body=WalletCreateRequestSchema, answer=WalletSchema, status=201, errors=(409,),
          description="The new wallet", links=_NEW_WALLET_LINKS)
def create_wallet(body: dict[str, Any]) -> dict[str, Any]:
    """Create a wallet with empty REAL and BONUS sub-wallets."""
    wallet = services().operator.create_wallet(
        body["playerId"], body["currency"], body.get("walletId"))
    view = wallet_view(wallet, services().currencies)
    note(target=f"wallet:{view['walletId']}", after=view)
    return view


@bp.get("/wallets/<wallet_id>")
@guarded(roles.READ_PLAYER, "wallet.view", "wallet_id")
@contract(answer=WalletSchema, description="The wallet")
def get_wallet(wallet_id: str) -> dict[str, Any]:
    """Return balances, currency and blocked flag."""
    return wallet_view(services().operator.wallet(wallet_id), services().currencies)


def _adjust(wallet_id: str, kind: AdjustmentKind, body: dict[str, Any]) -> dict[str, Any]:
    applied, wallet = services().operator.adjust(
        wallet_id, kind, body["amount"], SUB_WALLETS[body["subWallet"]], body["reference"])
    view = adjustment_view(applied, wallet, services().currencies)
    note(after={"asked": {"amount": str(body["amount"]), "subWallet": body["subWallet"],
                          "reference": body["reference"]}, **view})
    return view


@bp.post("/wallets/<wallet_id>/deposits")
@guarded(roles.CASHIER, "money.deposit", "wallet_id")
@contract(body=AdjustmentRequestSchema, answer=AdjustmentResultSchema, description=_ADJUSTED)
def deposit(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Add money to a sub-wallet, once per reference."""
    return _adjust(wallet_id, "deposit", body)


@bp.post("/wallets/<wallet_id>/withdrawals")
@guarded(roles.CASHIER, "money.withdrawal", "wallet_id")
@contract(body=AdjustmentRequestSchema, answer=AdjustmentResultSchema, description=_ADJUSTED)
def withdraw(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Take money from a sub-wallet, once per reference, never below zero."""
    return _adjust(wallet_id, "withdrawal", body)


@bp.post("/wallets/<wallet_id>/block")
@guarded(roles.BLOCK_PLAYER, "player.block", "wallet_id")
@contract(body=BlockRequestSchema, answer=WalletSchema, description="The wallet, blocked")
def block(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Block the player: no new sessions, no debits."""
    return set_blocked(wallet_id, True)


@bp.post("/wallets/<wallet_id>/unblock")
@guarded(roles.BLOCK_PLAYER, "player.unblock", "wallet_id")
@contract(body=BlockRequestSchema, answer=WalletSchema, description="The wallet, unblocked")
def unblock(body: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Unblock the player."""
    return set_blocked(wallet_id, False)


def set_blocked(wallet_id: str, blocked: bool) -> dict[str, Any]:
    """Block or unblock the wallet; note its blocked flag before and after."""
    try:
        before: bool | None = services().operator.wallet(wallet_id).blocked
    except ResourceNotFound:
        before = None  # the change refuses it below, as its script decides (404, or 503)
    after = wallet_view(services().operator.set_blocked(wallet_id, blocked),
                        services().currencies)
    note(before={"blocked": before}, after={"blocked": after["blocked"]})
    return after


@bp.post("/launch-tokens")
@guarded(roles.CREATE_WALLET, "launch-token.issue")
@contract(body=LaunchTokenRequestSchema, answer=LaunchTokenSchema, status=201, errors=(404,),
          description="A single-use launch token", links=_OPEN_SESSION)
def issue_launch_token(body: dict[str, Any]) -> dict[str, Any]:
    """Issue a single-use launch token for a wallet."""
    note(target=f"wallet:{body['walletId']}")
    issued = services().operator.issue_launch_token(body["walletId"], body.get("ttlSeconds"))
    return token_view(issued)


@bp.get("/wallets/<wallet_id>/sessions")
@guarded(roles.READ_PLAYER, "session.list", "wallet_id")
@contract(query=PageQuerySchema, answer=SessionListSchema, description="Sessions, newest first")
def list_sessions(query: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """List the wallet's sessions, newest first."""
    stories = services().operator.sessions(wallet_id, query["limit"])
    return {"sessions": [session_view(s, False, services().currencies) for s in stories]}


@bp.get("/sessions/<session_id>")
@guarded(roles.READ_PLAYER, "session.view", "session_id")
@contract(answer=SessionDetailSchema, description="The session's story")
def get_session(session_id: str) -> dict[str, Any]:
    """Return a session with every audit entry of its story."""
    return session_view(services().operator.session(session_id), True, services().currencies)


@bp.get("/wallets/<wallet_id>/movements")
@guarded(roles.READ_PLAYER, "movement.list", "wallet_id")
@contract(query=PageQuerySchema, answer=MovementPageSchema, description="A page of movements")
def list_movements(query: dict[str, Any], wallet_id: str) -> dict[str, Any]:
    """Return the wallet's movements, newest first, a page at a time."""
    page, currency = services().operator.movements(wallet_id, query.get("cursor"),
                                                   query["limit"])
    return movement_page_view(page, currency, services().currencies)
