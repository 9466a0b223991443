"""Deposits and withdrawals through the admin API: exact, idempotent, never overdrawn
(docs/gpas-contract.md, "The admin API")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from devkit.admin import CREATED, AdminClient, deposit, withdraw
from devkit.operators import PLATFORM_TOKEN
from devkit.responses import decimal_json, json_of
from devkit.store import initialised
from tests.support.answers import error_of
from tests.support.store import snapshot
from walletsvc.store import RedisClient


def balances(admin: AdminClient, wallet_id: str) -> tuple[Decimal, Decimal, Decimal]:
    """Return the stored (total, REAL, BONUS)."""
    stored = admin.balance(wallet_id)
    return stored["total"], stored["real"], stored["bonus"]


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
    assert json_of(again)["movementId"] == json_of(first)["movementId"]
    assert decimal_json(again)["wallet"] == decimal_json(first)["wallet"]
    assert snapshot(redis_client) == before


def test_same_amount_written_differently_is_the_same_deposit(admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    first = deposit(admin, wallet_id, "10.5", "dep-1")
    again = deposit(admin, wallet_id, Decimal("10.50"), "dep-1")
    assert decimal_json(again)["replayed"] is True
    assert json_of(again)["movementId"] == json_of(first)["movementId"]
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
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert error_of(response) == (400, 1010, "INVALID_AMOUNT")
    assert "decimal places" in json_of(response)["message"]
    assert snapshot(redis_client) == before


def test_amount_as_a_json_number_is_exact(client: FlaskClient, admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    response = client.post(
        f"/admin/wallets/{wallet_id}/deposits", content_type="application/json",
        data=b'{"amount": 0.1, "subWallet": "REAL", "reference": "op-1"}',
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
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
    assert snapshot(redis_client) == initialised()
