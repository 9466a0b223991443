"""Creating, reading and blocking wallets through the admin API (docs/gpas-contract.md,
"The admin API")."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devkit.admin import CREATED, AdminClient, deposit, open_session, session_ids
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.responses import decimal_json, json_of
from devkit.store import initialised
from tests.support.answers import error_of
from tests.support.store import snapshot
from walletsvc.store import RedisClient

HEX_ID = re.compile(r"[0-9a-f]{32}")


def wallet_json(admin: AdminClient, wallet_id: str) -> Any:
    """Return the stored wallet as the admin API shows it, numbers as decimals."""
    response = admin.get(f"/wallets/{wallet_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return decimal_json(response)


def test_create_wallet_answers_201_with_the_empty_wallet_and_stores_it(
        admin: AdminClient) -> None:
    response = admin.post("/wallets", {"walletId": "w-1", "playerId": "player-9",
                                       "currency": "BRL"})
    assert response.status_code == 201
    expected = {
        "walletId": "w-1", "playerId": "player-9", "currency": "BRL", "blocked": False,
        "created": CREATED,
        "balance": {"total": Decimal("0.00"), "real": Decimal("0.00"), "bonus": Decimal("0.00")},
    }
    assert decimal_json(response) == expected
    assert wallet_json(admin, "w-1") == expected


def test_wallet_balances_are_json_numbers_at_the_currency_scale(admin: AdminClient) -> None:
    admin.wallet("12.5", wallet_id="w-1")
    admin.wallet("15", currency="CLP", wallet_id="w-2")
    assert b'"balance":{"total":12.50,"real":12.50,"bonus":0.00}' in (
        admin.get("/wallets/w-1").get_data())
    assert b'"balance":{"total":15,"real":15,"bonus":0}' in admin.get("/wallets/w-2").get_data()


def test_wallet_id_is_generated_when_omitted(admin: AdminClient) -> None:
    first = admin.post("/wallets", {"playerId": "player-1", "currency": "USD"})
    second = admin.post("/wallets", {"playerId": "player-1", "currency": "USD"})
    assert (first.status_code, second.status_code) == (201, 201)
    first_id, second_id = json_of(first)["walletId"], json_of(second)["walletId"]
    assert HEX_ID.fullmatch(first_id)
    assert first_id != second_id
    assert wallet_json(admin, first_id)["currency"] == "USD"
    assert wallet_json(admin, second_id)["playerId"] == "player-1"


def test_taken_wallet_id_is_409_and_keeps_the_first_wallet(
        admin: AdminClient, redis_client: RedisClient) -> None:
    admin.wallet("10", wallet_id="w-1")
    before = snapshot(redis_client)
    response = admin.post("/wallets", {"walletId": "w-1", "playerId": "intruder",
                                       "currency": "CLP"})
    assert error_of(response) == (409, 1010, "CONFLICT")
    assert snapshot(redis_client) == before
    stored = wallet_json(admin, "w-1")
    assert (stored["playerId"], stored["currency"]) == ("player-1", "BRL")
    assert stored["balance"]["real"] == Decimal(10)


@pytest.mark.parametrize("currency", ["XYZ", "GBP", "BTC", "JPY"])
def test_unconfigured_currency_is_refused_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient, currency: str) -> None:
    response = admin.post("/wallets", {"walletId": "w-1", "playerId": "p", "currency": currency})
    assert error_of(response) == (400, 1010, "CURRENCY_ERROR")
    assert snapshot(redis_client) == initialised()
    assert error_of(admin.get("/wallets/w-1")) == (404, 1010, "NOT_FOUND")


def test_configured_currency_can_be_used(make_app: Callable[..., Flask]) -> None:
    admin = AdminClient(make_app(currency_scales={"BTC": 8}).test_client())
    response = admin.post("/wallets", {"walletId": "w-1", "playerId": "p", "currency": "BTC"})
    assert response.status_code == 201
    assert deposit(admin, "w-1", "0.00000001", "satoshi").status_code == 200
    assert admin.balance("w-1")["real"] == Decimal("0.00000001")


@pytest.mark.parametrize("body", [
    {"playerId": "p", "currency": "BRL", "balance": "100"},
    {"playerId": "p", "currency": "BRL", "blocked": True},
    {"playerId": "p", "currency": "BRL", "walletid": "w-1"},
    {"playerId": "p"},
    {"currency": "BRL"},
    {"playerId": "", "currency": "BRL"},
    {"playerId": "p", "currency": "brl"},
    {"playerId": "p", "currency": "BRLX"},
    {"playerId": "p", "currency": 986},
    {"playerId": 7, "currency": "BRL"},
    {"walletId": "", "playerId": "p", "currency": "BRL"},
    {"walletId": "has space", "playerId": "p", "currency": "BRL"},
    {"walletId": "a/b", "playerId": "p", "currency": "BRL"},
    {"walletId": "w" * 65, "playerId": "p", "currency": "BRL"},
])
def test_malformed_wallet_creation_is_invalid_request_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient, body: dict[str, Any]) -> None:
    assert error_of(admin.post("/wallets", body)) == (400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == initialised()


def test_unknown_field_is_named_in_the_error_details(admin: AdminClient) -> None:
    response = admin.post("/wallets", {"playerId": "p", "currency": "BRL", "colour": "red"})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert json_of(response)["details"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'"BRL"',
                                 b'{"playerId":"p","playerId":"q","currency":"BRL"}'])
def test_body_that_is_not_one_json_object_is_refused(client: FlaskClient,
                                                     redis_client: RedisClient,
                                                     raw: bytes) -> None:
    response = client.post("/admin/wallets", data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == initialised()


def test_unknown_wallet_is_404(admin: AdminClient) -> None:
    assert error_of(admin.get("/wallets/no-such-wallet")) == (404, 1010, "NOT_FOUND")


@pytest.mark.parametrize("wallet_id", [".", ".."])
def test_wallet_id_that_is_a_dot_segment_is_refused_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient, wallet_id: str) -> None:
    # /admin/wallets/.. would name another route: such a wallet could not be reached.
    before = snapshot(redis_client)
    response = admin.post("/wallets", {"walletId": wallet_id, "playerId": "p", "currency": "BRL"})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == before
    assert admin.post("/wallets", {"walletId": "...", "playerId": "p",
                                   "currency": "BRL"}).status_code == 201



# Blocking ---------------------------------------------------------------------------------

def test_block_and_unblock_set_the_stored_flag(admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    blocked = admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    assert blocked.status_code == 200
    assert json_of(blocked)["blocked"] is True
    assert wallet_json(admin, wallet_id)["blocked"] is True
    unblocked = admin.post(f"/wallets/{wallet_id}/unblock", {"reason": "test"})
    assert unblocked.status_code == 200
    assert json_of(unblocked)["blocked"] is False
    assert wallet_json(admin, wallet_id)["blocked"] is False
    assert wallet_json(admin, wallet_id)["balance"]["real"] == Decimal(10)


@pytest.mark.parametrize("action", ["block", "unblock"])
def test_blocking_an_unknown_wallet_is_404_and_creates_nothing(
        admin: AdminClient, redis_client: RedisClient, action: str) -> None:
    answer = admin.post(f"/wallets/no-such-wallet/{action}", {"reason": "test"})
    assert error_of(answer) == (404, 1010, "NOT_FOUND")
    assert snapshot(redis_client) == initialised()


def test_blocked_wallet_cannot_open_a_session(gpas: GpasClient, admin: AdminClient,
                                              redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1008, "USER_BLOCKED")
    assert snapshot(redis_client) == before
    assert session_ids(admin, wallet_id) == []


def test_blocked_wallet_refuses_debits_on_an_open_session_but_takes_credits(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10")
    admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "1", "bet-1")) == (400, 1008, "USER_BLOCKED")
    assert snapshot(redis_client) == before
    assert gpas.credit(session_id, "2.5", "win-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("12.5")
    admin.post(f"/wallets/{wallet_id}/unblock", {"reason": "test"})
    assert gpas.debit(session_id, "1", "bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("11.5")
