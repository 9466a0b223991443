"""Every call that writes to the store, for the tests of a store that refuses writes."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.gpas import GpasClient


def store_writes(gpas: GpasClient, admin: AdminClient, wallet_id: str, session_id: str,
                 token: str) -> dict[str, Callable[[], TestResponse]]:
    """Every GPAS and operator call that writes (``token``: an unused launch token).

    The session has a debit ``bet-1`` to roll back.
    """
    deposit = {"amount": "1", "subWallet": "REAL", "reference": "dep-9"}
    withdrawal = {**deposit, "reference": "wd-9"}
    return {
        "debit": lambda: gpas.debit(session_id, "1", reference="bet-9"),
        "credit": lambda: gpas.credit(session_id, "1", reference="win-9"),
        "rollback": lambda: gpas.rollback(session_id, "bet-1", reference="rb-9"),
        "close": lambda: gpas.close(session_id),
        "open": lambda: gpas.open_session(wallet_id, token),
        "deposit": lambda: admin.post(f"/wallets/{wallet_id}/deposits", deposit),
        "withdrawal": lambda: admin.post(f"/wallets/{wallet_id}/withdrawals", withdrawal),
        "create-wallet": lambda: admin.post("/wallets", {"playerId": "p", "currency": "BRL"}),
        "block": lambda: admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"}),
        "launch-token": lambda: admin.post("/launch-tokens", {"walletId": wallet_id}),
    }
