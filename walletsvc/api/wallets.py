"""The balance of the wallet behind a session."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from walletsvc.api.contract import contract
from walletsvc.presenters.gpas import balance_tree
from walletsvc.schemas.gpas import BalanceSchema, WalletSessionQuerySchema
from walletsvc.services import services

bp = Blueprint("wallets", __name__)


@bp.get("/wallets/balance")
@bp.get("/wallets/my/balance")
@contract(query=WalletSessionQuerySchema, answer=BalanceSchema, description="The wallet's balance")
def balance(query: dict[str, Any]) -> dict[str, Any]:
    """Return the wallet's total with its REAL and BONUS sub-wallets."""
    found = services()
    current, currency = found.gpas.balance(g.parent_system, query["walletSessionId"])
    return balance_tree(found.config.wallet_code, current, found.currencies.scale(currency))
