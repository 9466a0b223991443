"""The admin API client, and the funded wallets and open sessions it sets up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import START_MS
from walletsvc.clock import iso_utc

CREATED = iso_utc(START_MS)  # when a test's wallets and sessions are made, as answers write it


class AdminClient:
    """Calls the admin API as one operator (the platform's service account unless told);
    helpers assert success."""

    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token or _platform_token()}"}

    def post(self, path: str, body: dict[str, Any] | None = None) -> TestResponse:
        """POST to the admin API."""
        return self.client.post(f"/admin{path}", json=body or {}, headers=self.headers)

    def get(self, path: str) -> TestResponse:
        """GET from the admin API."""
        return self.client.get(f"/admin{path}", headers=self.headers)

    def wallet(self, real: str = "0", bonus: str = "0", currency: str = "BRL",
               wallet_id: str | None = None) -> str:
        """Create a wallet funded with ``real`` and ``bonus``; return its id."""
        body = {"playerId": "player-1", "currency": currency}
        if wallet_id:
            body["walletId"] = wallet_id
        created = self.post("/wallets", body)
        assert created.status_code == 201, created.get_data(as_text=True)
        new_id = str(json_of(created)["walletId"])
        for sub_wallet, amount in (("REAL", real), ("BONUS", bonus)):
            if Decimal(amount) > 0:
                funded = self.post(f"/wallets/{new_id}/deposits", {
                    "amount": amount, "subWallet": sub_wallet, "reference": f"fund-{sub_wallet}"})
                assert funded.status_code == 200, funded.get_data(as_text=True)
        return new_id

    def token(self, wallet_id: str) -> str:
        """Issue a launch token for the wallet."""
        issued = self.post("/launch-tokens", {"walletId": wallet_id})
        assert issued.status_code == 201, issued.get_data(as_text=True)
        return str(json_of(issued)["authToken"])

    def balance(self, wallet_id: str) -> dict[str, Decimal]:
        """Return the wallet's stored balances as decimals."""
        response = self.get(f"/wallets/{wallet_id}")
        assert response.status_code == 200
        return {k: Decimal(str(v)) for k, v in decimal_json(response)["balance"].items()}


def _platform_token() -> str:
    # Imported when first needed: devkit.operators imports walletsvc.access, which the older
    # walletsvc that bench/limits.py runs beside these clients lacks (and must not borrow).
    from devkit.operators import PLATFORM_TOKEN

    return PLATFORM_TOKEN


def open_session(gpas: GpasClient, admin: AdminClient, real: str = "100", bonus: str = "0",
                 currency: str = "BRL") -> tuple[str, str]:
    """Create a funded wallet and open a session on it; return (wallet id, session id)."""
    wallet_id = admin.wallet(real, bonus, currency)
    response = gpas.open_session(wallet_id, admin.token(wallet_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    return wallet_id, str(json_of(response)["id"])


def deposit(admin: AdminClient, wallet_id: str, amount: Any, reference: str,
            sub_wallet: str = "REAL") -> TestResponse:
    """POST a deposit; return the raw response."""
    return admin.post(f"/wallets/{wallet_id}/deposits",
                      {"amount": amount, "subWallet": sub_wallet, "reference": reference})


def withdraw(admin: AdminClient, wallet_id: str, amount: Any, reference: str,
             sub_wallet: str = "REAL") -> TestResponse:
    """POST a withdrawal; return the raw response."""
    return admin.post(f"/wallets/{wallet_id}/withdrawals",
                      {"amount": amount, "subWallet": sub_wallet, "reference": reference})


def session_ids(admin: AdminClient, wallet_id: str) -> list[str]:
    """Return the ids of the wallet's sessions, newest first."""
    response = admin.get(f"/wallets/{wallet_id}/sessions")
    assert response.status_code == 200
    return [s["id"] for s in decimal_json(response)["sessions"]]
