"""The operator's admin API (SPEC C1, C2): wallets, money, blocking, tokens and the audit."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.admin import AdminClient, open_session
from tests.support.answers import decimal_json, error_of
from tests.support.gpas import GpasClient
from tests.support.settings import ADMIN_KEY, START_MS, FakeClock
from tests.support.store import snapshot
from walletsvc.domain.clock import iso_utc
from walletsvc.store import RedisClient, keys

CREATED = iso_utc(START_MS)
HEX_ID = re.compile(r"[0-9a-f]{32}")


def wallet_json(admin: AdminClient, wallet_id: str) -> Any:
    """Return the stored wallet as the admin API shows it, numbers as decimals."""
    response = admin.get(f"/wallets/{wallet_id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return decimal_json(response)


def balances(admin: AdminClient, wallet_id: str) -> tuple[Decimal, Decimal, Decimal]:
    """Return the stored (total, REAL, BONUS)."""
    stored = admin.balance(wallet_id)
    return stored["total"], stored["real"], stored["bonus"]


def deposit(admin: AdminClient, wallet_id: str, amount: Any, reference: str,
            sub_wallet: str = "REAL") -> Any:
    return admin.post(f"/wallets/{wallet_id}/deposits",
                      {"amount": amount, "subWallet": sub_wallet, "reference": reference})


def withdraw(admin: AdminClient, wallet_id: str, amount: Any, reference: str,
             sub_wallet: str = "REAL") -> Any:
    return admin.post(f"/wallets/{wallet_id}/withdrawals",
                      {"amount": amount, "subWallet": sub_wallet, "reference": reference})


def movement_refs(admin: AdminClient, wallet_id: str) -> list[str]:
    """Return the references of the wallet's movements, newest first (one big page)."""
    response = admin.get(f"/wallets/{wallet_id}/movements?limit=200")
    assert response.status_code == 200
    return [m["data"]["ref"] for m in decimal_json(response)["movements"]]


def session_ids(admin: AdminClient, wallet_id: str) -> list[str]:
    response = admin.get(f"/wallets/{wallet_id}/sessions")
    assert response.status_code == 200
    return [s["id"] for s in decimal_json(response)["sessions"]]


# Authentication ---------------------------------------------------------------------------

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
    session_id = str(gpas.open_session("w-1", admin.token("w-1")).json["id"])  # type: ignore[index]
    before = snapshot(redis_client)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.open(path.format(session=session_id), method=method,
                           json=BODIES.get(path, {}), headers=headers)
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")
    assert set(response.json) == {"code", "type", "message"}  # type: ignore[arg-type]
    assert snapshot(redis_client) == before


def test_gpas_signature_headers_do_not_open_the_admin_api(gpas: GpasClient,
                                                          redis_client: RedisClient) -> None:
    response = gpas.call("POST", "/admin/wallets", "", b'{"playerId":"p","currency":"BRL"}')
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")
    assert snapshot(redis_client) == {}


def test_admin_key_is_accepted_whatever_the_case_of_the_scheme(client: FlaskClient) -> None:
    response = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                           headers={"Authorization": f"bearer {ADMIN_KEY}"})
    assert response.status_code == 201


# Creating and reading wallets -------------------------------------------------------------

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
    first_id, second_id = first.json["walletId"], second.json["walletId"]  # type: ignore[index]
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
    assert snapshot(redis_client) == {}
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
    assert snapshot(redis_client) == {}


def test_unknown_field_is_named_in_the_error_details(admin: AdminClient) -> None:
    response = admin.post("/wallets", {"playerId": "p", "currency": "BRL", "colour": "red"})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert response.json["details"] == {"colour": ["Unknown field."]}  # type: ignore[index]


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'"BRL"',
                                 b'{"playerId":"p","playerId":"q","currency":"BRL"}'])
def test_body_that_is_not_one_json_object_is_refused(client: FlaskClient,
                                                     redis_client: RedisClient,
                                                     raw: bytes) -> None:
    response = client.post("/admin/wallets", data=raw, content_type="application/json",
                           headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == {}


def test_unknown_wallet_is_404(admin: AdminClient) -> None:
    assert error_of(admin.get("/wallets/no-such-wallet")) == (404, 1010, "NOT_FOUND")


# Deposits and withdrawals -----------------------------------------------------------------

@pytest.mark.parametrize(("sub_wallet", "real", "bonus"), [
    ("REAL", Decimal("25.50"), Decimal(0)),
    ("BONUS", Decimal(0), Decimal("25.50")),
])
def test_deposit_adds_to_the_named_sub_wallet(admin: AdminClient, sub_wallet: str,
                                              real: Decimal, bonus: Decimal) -> None:
    wallet_id = admin.wallet()
    response = deposit(admin, wallet_id, "25.5", "dep-1", sub_wallet)
    assert response.status_code == 200
    body = decimal_json(response)
    assert body["replayed"] is False
    assert body["movementId"]
    assert body["wallet"]["balance"] == {"total": Decimal("25.50"), "real": real, "bonus": bonus}
    assert balances(admin, wallet_id) == (Decimal("25.50"), real, bonus)


@pytest.mark.parametrize(("sub_wallet", "real", "bonus"), [
    ("REAL", Decimal("7.75"), Decimal(5)),
    ("BONUS", Decimal(10), Decimal("2.75")),
])
def test_withdrawal_takes_from_the_named_sub_wallet(admin: AdminClient, sub_wallet: str,
                                                    real: Decimal, bonus: Decimal) -> None:
    wallet_id = admin.wallet("10", "5")
    response = withdraw(admin, wallet_id, "2.25", "wd-1", sub_wallet)
    assert response.status_code == 200
    assert decimal_json(response)["wallet"]["balance"] == {
        "total": real + bonus, "real": real, "bonus": bonus}
    assert balances(admin, wallet_id) == (real + bonus, real, bonus)


def test_adjustments_are_recorded_in_the_wallet_audit(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    movement_id = decimal_json(deposit(admin, wallet_id, "10", "dep-1", "BONUS"))["movementId"]
    response = admin.get(f"/wallets/{wallet_id}/movements")
    [entry] = decimal_json(response)["movements"]
    assert entry["event"] == "deposit"
    assert entry["time"] == CREATED
    data = entry["data"]
    assert (data["mid"], data["ref"], data["type"]) == (movement_id, "dep-1", "DEPOSIT")
    assert (data["amount"], data["real"], data["bonus"]) == (
        Decimal(10), Decimal(0), Decimal(10))
    assert (data["real_after"], data["bonus_after"]) == (Decimal(0), Decimal(10))


@pytest.mark.parametrize(("path", "amount"), [("deposits", "10.5"), ("withdrawals", "2")])
def test_identical_repeat_returns_the_same_movement_and_moves_no_money(
        admin: AdminClient, redis_client: RedisClient, path: str, amount: str) -> None:
    wallet_id = admin.wallet("20")
    body = {"amount": amount, "subWallet": "REAL", "reference": "op-1"}
    first = admin.post(f"/wallets/{wallet_id}/{path}", body)
    assert first.status_code == 200
    before = snapshot(redis_client)
    again = admin.post(f"/wallets/{wallet_id}/{path}", body)
    assert again.status_code == 200
    assert decimal_json(again)["replayed"] is True
    assert again.json["movementId"] == first.json["movementId"]  # type: ignore[index]
    assert decimal_json(again)["wallet"] == decimal_json(first)["wallet"]
    assert snapshot(redis_client) == before


def test_same_amount_written_differently_is_the_same_deposit(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    first = deposit(admin, wallet_id, "10.5", "dep-1")
    again = deposit(admin, wallet_id, Decimal("10.50"), "dep-1")
    assert decimal_json(again)["replayed"] is True
    assert again.json["movementId"] == first.json["movementId"]  # type: ignore[index]
    assert admin.balance(wallet_id)["real"] == Decimal("10.5")


@pytest.mark.parametrize(("path", "body"), [
    ("deposits", {"amount": "11", "subWallet": "REAL", "reference": "op-1"}),
    ("deposits", {"amount": "10", "subWallet": "BONUS", "reference": "op-1"}),
    ("withdrawals", {"amount": "10", "subWallet": "REAL", "reference": "op-1"}),
])
def test_different_operation_under_a_known_reference_is_1003_and_moves_nothing(
        admin: AdminClient, redis_client: RedisClient, path: str, body: dict[str, str]) -> None:
    wallet_id = admin.wallet("50")
    assert deposit(admin, wallet_id, "10", "op-1").status_code == 200
    before = snapshot(redis_client)
    response = admin.post(f"/wallets/{wallet_id}/{path}", body)
    assert error_of(response) == (400, 1003, "DUPLICATE_TX_ID")
    assert snapshot(redis_client) == before
    assert balances(admin, wallet_id) == (Decimal(60), Decimal(60), Decimal(0))


@pytest.mark.parametrize(("sub_wallet", "amount"), [
    ("REAL", "10.01"), ("REAL", "15"), ("BONUS", "5.01"), ("BONUS", "10"),
])
def test_withdrawal_above_the_sub_wallet_is_1007_and_moves_nothing(
        admin: AdminClient, redis_client: RedisClient, sub_wallet: str, amount: str) -> None:
    wallet_id = admin.wallet("10", "5")
    before = snapshot(redis_client)
    response = withdraw(admin, wallet_id, amount, "wd-1", sub_wallet)
    assert error_of(response) == (400, 1007, "INSUFFICIENT_FUNDS")
    assert snapshot(redis_client) == before
    assert balances(admin, wallet_id) == (Decimal(15), Decimal(10), Decimal(5))


def test_withdrawal_may_empty_a_sub_wallet_exactly(admin: AdminClient) -> None:
    wallet_id = admin.wallet("10", "5")
    assert withdraw(admin, wallet_id, "10", "wd-1").status_code == 200
    assert withdraw(admin, wallet_id, "5", "wd-2", "BONUS").status_code == 200
    assert balances(admin, wallet_id) == (Decimal(0), Decimal(0), Decimal(0))


def test_refused_withdrawal_is_not_recorded_so_its_reference_can_be_retried(
        admin: AdminClient) -> None:
    wallet_id = admin.wallet("5")
    assert error_of(withdraw(admin, wallet_id, "8", "wd-1"))[1] == 1007
    assert deposit(admin, wallet_id, "5", "dep-2").status_code == 200
    retried = withdraw(admin, wallet_id, "8", "wd-1")
    assert retried.status_code == 200
    assert decimal_json(retried)["replayed"] is False
    assert admin.balance(wallet_id)["real"] == Decimal(2)


@pytest.mark.parametrize(("currency", "amount"), [
    ("BRL", "10.001"), ("BRL", "0.001"), ("BRL", Decimal("1.005")), ("CLP", "1.5"),
    ("PYG", "0.1"), ("BRL", "0"), ("BRL", 0), ("BRL", "0.00"), ("BRL", "-5"), ("BRL", -5),
    ("BRL", "abc"), ("BRL", "NaN"), ("BRL", "Infinity"), ("BRL", "1e999999"),
    ("BRL", "1e-999999"), ("BRL", True), ("BRL", None), ("BRL", " 5"), ("BRL", "1_000"),
])
@pytest.mark.parametrize("path", ["deposits", "withdrawals"])
def test_bad_amount_is_invalid_amount_and_moves_nothing(
        admin: AdminClient, redis_client: RedisClient, path: str, currency: str,
        amount: Any) -> None:
    wallet_id = admin.wallet("100", currency=currency)
    before = snapshot(redis_client)
    response = admin.post(f"/wallets/{wallet_id}/{path}",
                          {"amount": amount, "subWallet": "REAL", "reference": "op-1"})
    assert error_of(response) == (400, 1010, "INVALID_AMOUNT")
    assert snapshot(redis_client) == before


def test_tiny_json_number_amount_is_refused_not_taken_as_zero(
        client: FlaskClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("100")
    before = snapshot(redis_client)
    response = client.post(
        f"/admin/wallets/{wallet_id}/deposits", content_type="application/json",
        data=b'{"amount": 1e-9999999999, "subWallet": "REAL", "reference": "op-1"}',
        headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert error_of(response) == (400, 1010, "INVALID_AMOUNT")
    assert "decimal places" in response.json["message"]  # type: ignore[index]
    assert snapshot(redis_client) == before


def test_amount_as_a_json_number_is_exact(client: FlaskClient, admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    response = client.post(
        f"/admin/wallets/{wallet_id}/deposits", content_type="application/json",
        data=b'{"amount": 0.1, "subWallet": "REAL", "reference": "op-1"}',
        headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert response.status_code == 200
    deposit(admin, wallet_id, 0.2, "op-2")
    assert admin.balance(wallet_id)["real"] == Decimal("0.3")


def test_balance_may_reach_but_not_pass_2_to_the_53_minus_1_minor_units(
        admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id = admin.wallet()
    assert deposit(admin, wallet_id, "90071992547409.90", "dep-1").status_code == 200
    assert deposit(admin, wallet_id, "0.01", "dep-2").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("90071992547409.91")
    before = snapshot(redis_client)
    assert error_of(deposit(admin, wallet_id, "0.01", "dep-3")) == (400, 1010, "INVALID_AMOUNT")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize("body", [
    {"amount": "5", "subWallet": "CASH", "reference": "op-1"},
    {"amount": "5", "subWallet": "real", "reference": "op-1"},
    {"amount": "5", "reference": "op-1"},
    {"amount": "5", "subWallet": "REAL"},
    {"amount": "5", "subWallet": "REAL", "reference": ""},
    {"amount": "5", "subWallet": "REAL", "reference": "r" * 201},
    {"amount": "5", "subWallet": "REAL", "reference": "bad\nref"},
    {"amount": "5", "subWallet": "REAL", "reference": "op-1", "note": "x"},
])
@pytest.mark.parametrize("path", ["deposits", "withdrawals"])
def test_malformed_adjustment_is_invalid_request_and_moves_nothing(
        admin: AdminClient, redis_client: RedisClient, path: str, body: dict[str, str]) -> None:
    wallet_id = admin.wallet("100")
    before = snapshot(redis_client)
    assert error_of(admin.post(f"/wallets/{wallet_id}/{path}", body)) == (
        400, 1010, "INVALID_REQUEST")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize("path", ["deposits", "withdrawals"])
def test_adjustment_of_an_unknown_wallet_is_404_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient, path: str) -> None:
    response = admin.post(f"/wallets/no-such-wallet/{path}",
                          {"amount": "5", "subWallet": "REAL", "reference": "op-1"})
    assert error_of(response) == (404, 1010, "NOT_FOUND")
    assert snapshot(redis_client) == {}


# Blocking ---------------------------------------------------------------------------------

def test_block_and_unblock_set_the_stored_flag(admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    blocked = admin.post(f"/wallets/{wallet_id}/block")
    assert blocked.status_code == 200
    assert blocked.json["blocked"] is True  # type: ignore[index]
    assert wallet_json(admin, wallet_id)["blocked"] is True
    unblocked = admin.post(f"/wallets/{wallet_id}/unblock")
    assert unblocked.status_code == 200
    assert unblocked.json["blocked"] is False  # type: ignore[index]
    assert wallet_json(admin, wallet_id)["blocked"] is False
    assert wallet_json(admin, wallet_id)["balance"]["real"] == Decimal(10)


@pytest.mark.parametrize("action", ["block", "unblock"])
def test_blocking_an_unknown_wallet_is_404_and_creates_nothing(
        admin: AdminClient, redis_client: RedisClient, action: str) -> None:
    assert error_of(admin.post(f"/wallets/no-such-wallet/{action}")) == (404, 1010, "NOT_FOUND")
    assert snapshot(redis_client) == {}


def test_blocked_wallet_cannot_open_a_session(gpas: GpasClient, admin: AdminClient,
                                              redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    admin.post(f"/wallets/{wallet_id}/block")
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1008, "USER_BLOCKED")
    assert snapshot(redis_client) == before
    assert session_ids(admin, wallet_id) == []


def test_blocked_wallet_refuses_debits_on_an_open_session_but_takes_credits(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10")
    admin.post(f"/wallets/{wallet_id}/block")
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "1", "bet-1")) == (400, 1008, "USER_BLOCKED")
    assert snapshot(redis_client) == before
    assert gpas.credit(session_id, "2.5", "win-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("12.5")
    admin.post(f"/wallets/{wallet_id}/unblock")
    assert gpas.debit(session_id, "1", "bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("11.5")


# Launch tokens ----------------------------------------------------------------------------

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
    assert response.json["expiresAt"] == iso_utc(START_MS + 1000)  # type: ignore[index]
    token_key = keys.launch_token(response.json["authToken"])  # type: ignore[index]
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
    assert session_ids(admin, wallet_id) == [opened.json["id"]]  # type: ignore[index]
    assert redis_client.exists(keys.launch_token(token)) == 0
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1010, "INVALID_AUTH_TOKEN")
    assert snapshot(redis_client) == before
    assert session_ids(admin, wallet_id) == [opened.json["id"]]  # type: ignore[index]


def test_launch_token_for_an_unknown_wallet_is_404_and_stores_nothing(
        admin: AdminClient, redis_client: RedisClient) -> None:
    response = admin.post("/launch-tokens", {"walletId": "no-such-wallet"})
    assert error_of(response) == (404, 1010, "NOT_FOUND")
    assert snapshot(redis_client) == {}


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


# Sessions and their stories ---------------------------------------------------------------

def test_wallet_sessions_are_listed_newest_first_with_their_status(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id = admin.wallet("10")
    first = str(gpas.open_session(wallet_id, admin.token(wallet_id)).json["id"])  # type: ignore[index]
    clock.advance(60)
    assert gpas.close(first).status_code == 200
    clock.advance(60)
    second = str(gpas.open_session(wallet_id, admin.token(wallet_id)).json["id"])  # type: ignore[index]
    response = admin.get(f"/wallets/{wallet_id}/sessions")
    assert response.status_code == 200
    assert response.json == {"sessions": [
        {"id": second, "walletId": wallet_id, "parentSystem": "BL13GT", "status": "OPEN",
         "created": iso_utc(START_MS + 120_000), "lastActivity": iso_utc(START_MS + 120_000),
         "closed": None},
        {"id": first, "walletId": wallet_id, "parentSystem": "BL13GT", "status": "CLOSE",
         "created": CREATED, "lastActivity": CREATED, "closed": iso_utc(START_MS + 60_000)},
    ]}


def test_idle_session_is_listed_as_expired(gpas: GpasClient, admin: AdminClient,
                                           clock: FakeClock) -> None:
    wallet_id, session_id = open_session(gpas, admin)
    clock.advance(1800)
    [listed] = admin.get(f"/wallets/{wallet_id}/sessions").json["sessions"]  # type: ignore[index]
    assert (listed["id"], listed["status"]) == (session_id, "EXPIRED")


def test_sessions_listing_honours_its_limit(gpas: GpasClient, admin: AdminClient,
                                            clock: FakeClock) -> None:
    wallet_id = admin.wallet()
    opened = []
    for _ in range(3):
        opened.append(gpas.open_session(wallet_id, admin.token(wallet_id)).json["id"])  # type: ignore[index]
        clock.advance(1)
    response = admin.get(f"/wallets/{wallet_id}/sessions?limit=2")
    assert [s["id"] for s in response.json["sessions"]] == opened[:0:-1]  # type: ignore[index]


def test_sessions_of_an_unknown_wallet_is_404(admin: AdminClient) -> None:
    assert error_of(admin.get("/wallets/no-such-wallet/sessions")) == (404, 1010, "NOT_FOUND")


def test_session_shows_its_whole_story_with_amounts_and_balances_after(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10", bonus="5")
    clock.advance(1)
    debit_id = gpas.debit(session_id, "12.5", "bet-1").json["movementId"]  # type: ignore[index]
    clock.advance(1)
    credit_id = gpas.credit(session_id, "3", "win-1").json["movementId"]  # type: ignore[index]
    clock.advance(1)
    rollback_id = gpas.rollback(session_id, "bet-1", "rb-1").json["movementId"]  # type: ignore[index]
    clock.advance(1)
    assert gpas.close(session_id).status_code == 200

    response = admin.get(f"/sessions/{session_id}")
    assert response.status_code == 200
    story = decimal_json(response)
    assert (story["id"], story["walletId"], story["status"]) == (session_id, wallet_id, "CLOSE")
    assert story["closed"] == iso_utc(START_MS + 4000)
    entries = story["entries"]
    assert [e["event"] for e in entries] == ["opened", "debit", "credit", "rollback", "closed"]
    assert [e["time"] for e in entries] == [iso_utc(START_MS + n * 1000) for n in range(5)]
    opened, debit, credit, rollback, _closed = (e["data"] for e in entries)
    assert (opened["sid"], opened["wallet"], opened["ps"]) == (session_id, wallet_id, "BL13GT")

    def money(data: dict[str, Any]) -> tuple[Decimal, ...]:
        return (data["amount"], data["real"], data["bonus"], data["real_after"],
                data["bonus_after"])

    assert (debit["mid"], debit["ref"], debit["type"]) == (debit_id, "bet-1", "GAME_DEBIT")
    assert money(debit) == (Decimal("12.5"), Decimal(-10), Decimal("-2.5"), 0, Decimal("2.5"))
    assert (credit["mid"], credit["ref"], credit["type"]) == (credit_id, "win-1", "GAME_CREDIT")
    assert money(credit) == (3, 3, 0, 3, Decimal("2.5"))
    assert (rollback["mid"], rollback["ref"], rollback["reverses"]) == (
        rollback_id, "rb-1", "bet-1")
    assert money(rollback) == (Decimal("12.5"), 10, Decimal("2.5"), 13, 5)
    assert debit["game"] == credit["game"] == rollback["game"] == "agt-13"
    assert admin.balance(wallet_id) == {"total": 18, "real": 13, "bonus": 5}


def test_refused_movements_leave_no_entry_in_the_session_story(
        gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin, real="1")
    assert error_of(gpas.debit(session_id, "5", "bet-1"))[1] == 1007
    entries = admin.get(f"/sessions/{session_id}").json["entries"]  # type: ignore[index]
    assert [e["event"] for e in entries] == ["opened"]


def test_unknown_session_is_404(admin: AdminClient) -> None:
    response = admin.get("/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert error_of(response) == (404, 1010, "NOT_FOUND")


# A wallet's movements ---------------------------------------------------------------------

def make_history(gpas: GpasClient, admin: AdminClient, games: int) -> tuple[str, list[str]]:
    """Give a wallet adjustments and ``games`` bet/win pairs; return its references in order."""
    wallet_id = admin.wallet()
    refs = ["dep-real", "dep-bonus", "wd-1"]
    deposit(admin, wallet_id, "100", "dep-real")
    deposit(admin, wallet_id, "10", "dep-bonus", "BONUS")
    withdraw(admin, wallet_id, "1", "wd-1")
    session_id = str(gpas.open_session(wallet_id, admin.token(wallet_id)).json["id"])  # type: ignore[index]
    for n in range(games):
        assert gpas.debit(session_id, "2", f"bet-{n}").status_code == 200
        assert gpas.credit(session_id, "1", f"win-{n}").status_code == 200
        refs += [f"bet-{n}", f"win-{n}"]
    assert gpas.rollback(session_id, "bet-0", "rb-0").status_code == 200
    return wallet_id, [*refs, "rb-0"]


def test_movements_are_listed_newest_first(gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, refs = make_history(gpas, admin, games=1)
    response = admin.get(f"/wallets/{wallet_id}/movements")
    assert response.status_code == 200
    page = decimal_json(response)
    assert page["nextCursor"] is None
    assert [m["data"]["ref"] for m in page["movements"]] == refs[::-1]
    assert [m["event"] for m in page["movements"]] == [
        "rollback", "credit", "debit", "withdrawal", "deposit", "deposit"]
    assert page["movements"][0]["data"]["real_after"] == Decimal(100)


@pytest.mark.parametrize("games", [1, 2])
def test_walking_every_page_returns_each_movement_once_in_order(
        gpas: GpasClient, admin: AdminClient, games: int) -> None:
    wallet_id, refs = make_history(gpas, admin, games)
    seen: list[str] = []
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(len(refs)):
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        response = admin.get(f"/wallets/{wallet_id}/movements?{query}")
        assert response.status_code == 200
        page = decimal_json(response)
        assert 1 <= len(page["movements"]) <= 2
        seen += [m["data"]["ref"] for m in page["movements"]]
        ids += [m["id"] for m in page["movements"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert cursor is None
    assert seen == refs[::-1]
    assert len(set(ids)) == len(ids)
    assert seen == movement_refs(admin, wallet_id)


def test_last_full_page_has_no_next_cursor(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    deposit(admin, wallet_id, "1", "dep-1")
    deposit(admin, wallet_id, "1", "dep-2")
    page = decimal_json(admin.get(f"/wallets/{wallet_id}/movements?limit=2"))
    assert [m["data"]["ref"] for m in page["movements"]] == ["dep-2", "dep-1"]
    assert page["nextCursor"] is None


def test_wallet_without_movements_has_an_empty_page(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    response = admin.get(f"/wallets/{wallet_id}/movements")
    assert response.status_code == 200
    assert response.json == {"movements": [], "nextCursor": None}


def test_movements_of_one_wallet_do_not_show_another(admin: AdminClient) -> None:
    first, second = admin.wallet("5"), admin.wallet("7")
    deposit(admin, second, "1", "dep-2")
    assert movement_refs(admin, first) == ["fund-REAL"]
    assert movement_refs(admin, second) == ["dep-2", "fund-REAL"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "limit=two", "cursor=abc",
                                   "cursor=1-2-3", "limit=2&limit=3",
                                   "cursor=18446744073709551616-0",
                                   "cursor=1-99999999999999999999"])
def test_malformed_page_query_is_invalid_request(admin: AdminClient, query: str) -> None:
    wallet_id = admin.wallet("1")
    response = admin.get(f"/wallets/{wallet_id}/movements?{query}")
    assert error_of(response) == (400, 1010, "INVALID_REQUEST")


def test_cursor_before_the_first_possible_entry_gives_an_empty_page(admin: AdminClient) -> None:
    wallet_id = admin.wallet("1")
    response = admin.get(f"/wallets/{wallet_id}/movements?cursor=0-0")
    assert response.status_code == 200
    assert response.json == {"movements": [], "nextCursor": None}


def test_movements_of_an_unknown_wallet_is_404(admin: AdminClient) -> None:
    assert error_of(admin.get("/wallets/no-such-wallet/movements")) == (404, 1010, "NOT_FOUND")


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
