"""Launch tokens issued through the admin API: their lifetime, and one session each
(docs/gpas-contract.md, "Launch tokens")."""

from __future__ import annotations

import re
from typing import Any

import pytest

from devkit.admin import AdminClient, session_ids
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import START_MS
from devkit.store import initialised
from tests.support.answers import error_of
from tests.support.store import snapshot
from walletsvc.clock import iso_utc
from walletsvc.store import RedisClient, keys


def test_launch_token_is_issued_for_the_default_lifetime(admin: AdminClient,
                                                         redis_client: RedisClient) -> None:
    wallet_id = admin.wallet()
    response = admin.post("/launch-tokens", {"walletId": wallet_id})
    assert response.status_code == 201
    body = response.json
    assert body is not None
    assert set(body) == {"authToken", "walletId", "expiresAt"}
    assert body["walletId"] == wallet_id
    assert body["expiresAt"] == iso_utc(START_MS + 300_000)
    token = body["authToken"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,100}", token)
    assert redis_client.get(keys.launch_token(token)) == wallet_id
    assert 295_000 < redis_client.pttl(keys.launch_token(token)) <= 300_000


def test_launch_token_lifetime_can_be_chosen(admin: AdminClient,
                                             redis_client: RedisClient) -> None:
    wallet_id = admin.wallet()
    response = admin.post("/launch-tokens", {"walletId": wallet_id, "ttlSeconds": 1})
    assert response.status_code == 201
    assert json_of(response)["expiresAt"] == iso_utc(START_MS + 1000)
    token_key = keys.launch_token(json_of(response)["authToken"])
    assert 0 < redis_client.pttl(token_key) <= 1000


def test_tokens_are_random(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    assert len({admin.token(wallet_id) for _ in range(5)}) == 5


def test_launch_token_opens_exactly_one_session(gpas: GpasClient, admin: AdminClient,
                                                redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    opened = gpas.open_session(wallet_id, token)
    assert opened.status_code == 200
    assert session_ids(admin, wallet_id) == [json_of(opened)["id"]]
    assert redis_client.exists(keys.launch_token(token)) == 0
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1010, "INVALID_AUTH_TOKEN")
    assert snapshot(redis_client) == before
    assert session_ids(admin, wallet_id) == [json_of(opened)["id"]]


def test_launch_token_for_an_unknown_wallet_is_404_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient) -> None:
    response = admin.post("/launch-tokens", {"walletId": "no-such-wallet"})
    assert error_of(response) == (404, 1010, "NOT_FOUND")
    assert snapshot(redis_client) == initialised()


@pytest.mark.parametrize("extra", [
    {"ttlSeconds": 0}, {"ttlSeconds": -1}, {"ttlSeconds": 86_401}, {"ttlSeconds": "60"},
    {"ttlSeconds": 1.5}, {"ttlSeconds": True}, {"walletId": ""}, {"scope": "all"},
])
def test_malformed_token_request_is_invalid_request_and_issues_nothing(
        admin: AdminClient, redis_client: RedisClient, extra: dict[str, Any]) -> None:
    wallet_id = admin.wallet()
    before = snapshot(redis_client)
    response = admin.post("/launch-tokens", {"walletId": wallet_id, **extra})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == before
