"""The balance of the wallet behind a session."""

from __future__ import annotations

from flask import Blueprint, Response, g

from walletsvc.api.common import load_args, respond, services
from walletsvc.api.presenters import balance_tree
from walletsvc.schemas.gpas import BalanceSchema, WalletSessionArgsSchema

bp = Blueprint("wallets", __name__)


@bp.get("/wallets/balance")
@bp.get("/wallets/my/balance")
def balance() -> Response:
    """Return the wallet's total with its REAL and BONUS sub-wallets."""
    args = load_args(WalletSessionArgsSchema)
    current, currency = services().gpas.balance(g.parent_system, args["walletSessionId"])
    return respond(BalanceSchema, balance_tree(current, currency))
