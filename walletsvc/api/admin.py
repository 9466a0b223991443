"""The operator's admin API, behind its own bearer key."""

from __future__ import annotations

from flask import Blueprint, Response

from walletsvc.api.common import load_args, load_body, require_bearer, respond, services
from walletsvc.api.presenters import (
    adjustment_view,
    movement_page_view,
    session_view,
    token_view,
    wallet_view,
)
from walletsvc.models import SUB_WALLETS, AdjustmentKind
from walletsvc.schemas.admin import (
    AdjustmentRequestSchema,
    AdjustmentResultSchema,
    LaunchTokenRequestSchema,
    LaunchTokenSchema,
    MovementPageSchema,
    PageArgsSchema,
    SessionDetailSchema,
    SessionListSchema,
    WalletCreateRequestSchema,
    WalletSchema,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def authenticate() -> None:
    """Require the admin key, compared in constant time."""
    require_bearer(services().config.admin_api_key)


@bp.post("/wallets")
def create_wallet() -> Response:
    """Create a wallet with empty REAL and BONUS sub-wallets."""
    body = load_body(WalletCreateRequestSchema)
    wallet = services().operator.create_wallet(
        body["playerId"], body["currency"], body.get("walletId"))
    return respond(WalletSchema, wallet_view(wallet), 201)


@bp.get("/wallets/<wallet_id>")
def get_wallet(wallet_id: str) -> Response:
    """Return balances, currency and blocked flag."""
    return respond(WalletSchema, wallet_view(services().operator.wallet(wallet_id)))


def _adjust(wallet_id: str, kind: AdjustmentKind) -> Response:
    body = load_body(AdjustmentRequestSchema)
    applied, wallet = services().operator.adjust(
        wallet_id, kind, body["amount"], SUB_WALLETS[body["subWallet"]], body["reference"])
    return respond(AdjustmentResultSchema, adjustment_view(applied, wallet))


@bp.post("/wallets/<wallet_id>/deposits")
def deposit(wallet_id: str) -> Response:
    """Add money to a sub-wallet, once per reference."""
    return _adjust(wallet_id, "deposit")


@bp.post("/wallets/<wallet_id>/withdrawals")
def withdraw(wallet_id: str) -> Response:
    """Take money from a sub-wallet, once per reference, never below zero."""
    return _adjust(wallet_id, "withdrawal")


@bp.post("/wallets/<wallet_id>/block")
def block(wallet_id: str) -> Response:
    """Block the player: no new sessions, no debits."""
    return respond(WalletSchema, wallet_view(services().operator.set_blocked(wallet_id, True)))


@bp.post("/wallets/<wallet_id>/unblock")
def unblock(wallet_id: str) -> Response:
    """Unblock the player."""
    return respond(WalletSchema, wallet_view(services().operator.set_blocked(wallet_id, False)))


@bp.post("/launch-tokens")
def issue_launch_token() -> Response:
    """Issue a single-use launch token for a wallet."""
    body = load_body(LaunchTokenRequestSchema)
    issued = services().operator.issue_launch_token(body["walletId"], body.get("ttlSeconds"))
    return respond(LaunchTokenSchema, token_view(issued), 201)


@bp.get("/wallets/<wallet_id>/sessions")
def list_sessions(wallet_id: str) -> Response:
    """List the wallet's sessions, newest first."""
    args = load_args(PageArgsSchema)
    stories = services().operator.sessions(wallet_id, args["limit"])
    return respond(SessionListSchema, {"sessions": [session_view(s, False) for s in stories]})


@bp.get("/sessions/<session_id>")
def get_session(session_id: str) -> Response:
    """Return a session with every audit entry of its story."""
    story = services().operator.session(session_id)
    return respond(SessionDetailSchema, session_view(story, True))


@bp.get("/wallets/<wallet_id>/movements")
def list_movements(wallet_id: str) -> Response:
    """Return the wallet's movements, newest first, a page at a time."""
    args = load_args(PageArgsSchema)
    page, currency = services().operator.movements(wallet_id, args.get("cursor"), args["limit"])
    return respond(MovementPageSchema, movement_page_view(page, currency))
