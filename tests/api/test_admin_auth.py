"""The admin API opens only with its own key; GPAS credentials do not open it
(docs/gpas-contract.md, "The admin API")."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import ADMIN_KEY
from devkit.store import initialised
from tests.support.answers import error_of
from tests.support.store import snapshot
from walletsvc.store import RedisClient

ENDPOINTS = [
    ("POST", "/admin/wallets"),
    ("GET", "/admin/wallets/w-1"),
    ("POST", "/admin/wallets/w-1/deposits"),
    ("POST", "/admin/wallets/w-1/withdrawals"),
    ("POST", "/admin/wallets/w-1/block"),
    ("POST", "/admin/wallets/w-1/unblock"),
    ("POST", "/admin/launch-tokens"),
    ("GET", "/admin/wallets/w-1/sessions"),
    ("GET", "/admin/sessions/{session}"),
    ("GET", "/admin/wallets/w-1/movements"),
]


BODIES = {
    "/admin/wallets": {"walletId": "w-2", "playerId": "p", "currency": "BRL"},
    "/admin/wallets/w-1/deposits": {"amount": "5", "subWallet": "REAL", "reference": "x"},
    "/admin/wallets/w-1/withdrawals": {"amount": "5", "subWallet": "REAL", "reference": "y"},
    "/admin/launch-tokens": {"walletId": "w-1"},
}


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Bearer",
    "Bearer wrong-key",
    f"Bearer {ADMIN_KEY}x",
    f"Bearer {ADMIN_KEY[:-1]}",
    f"Basic {ADMIN_KEY}",
    ADMIN_KEY,
    "Bearer reconciliation-key",
])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_missing_or_wrong_admin_key_is_401_and_changes_nothing(
        client: FlaskClient, gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        method: str, path: str, authorization: str | None) -> None:
    admin.wallet("10", wallet_id="w-1")
    session_id = str(json_of(gpas.open_session("w-1", admin.token("w-1")))["id"])
    before = snapshot(redis_client)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.open(path.format(session=session_id), method=method,
                           json=BODIES.get(path, {}), headers=headers)
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")
    assert set(json_of(response)) == {"code", "type", "message"}
    assert snapshot(redis_client) == before


def test_gpas_signature_headers_do_not_open_the_admin_api(gpas: GpasClient,
                                                          redis_client: RedisClient) -> None:
    response = gpas.call("POST", "/admin/wallets", "", b'{"playerId":"p","currency":"BRL"}')
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")
    assert snapshot(redis_client) == initialised()


def test_admin_key_is_accepted_whatever_the_case_of_the_scheme(client: FlaskClient) -> None:
    response = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                           headers={"Authorization": f"bearer {ADMIN_KEY}"})
    assert response.status_code == 201
