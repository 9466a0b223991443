"""Approving and rejecting: four eyes, the limits, expiry, and money that moves exactly once."""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest

from devkit.admin import AdminClient
from devkit.operators import (
    ADMIN,
    AUDITOR,
    FINANCE,
    FINANCE_2,
    FINANCE_LEAD,
    PLATFORM,
    SUPPORT,
    DemoOperator,
)
from devkit.responses import decimal_json
from devkit.settings import FakeClock
from tests.approvals.conftest import Desk, error_of

HOURS_72 = 72 * 3600


def test_another_finance_operator_approves_and_the_money_moves_once(
        desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10.50")
    answer = desk.approve(FINANCE_2, request["id"], "checked the ticket")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    approved = decimal_json(answer)
    assert approved["replayed"] is False
    assert approved["wallet"]["balance"]["real"] == Decimal("30.50")
    decided = approved["request"]
    assert decided["state"] == "APPROVED" and decided["checker"] == FINANCE_2.name
    assert decided["decision"] == "checked the ticket" and decided["movementId"]
    assert desk.get(FINANCE, request["id"]) == decided
    again = desk.approve(FINANCE_LEAD, request["id"])
    assert error_of(again) == (409, 1010, "REQUEST_CLOSED")
    assert admin.balance(wallet_id)["real"] == Decimal("30.50")
    assert desk.rows(wallet_id)[0]["state"] == "approved"


def test_the_maker_may_neither_approve_nor_reject_their_own(desk: Desk, admin: AdminClient
                                                           ) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10", who=FINANCE_LEAD)
    for answer in (desk.approve(FINANCE_LEAD, request["id"]),
                   desk.reject(FINANCE_LEAD, request["id"])):
        assert error_of(answer) == (403, 1010, "FOUR_EYES_REQUIRED")
    assert desk.rows(wallet_id)[0]["state"] == "pending"
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


@pytest.mark.parametrize("who", [ADMIN, PLATFORM, SUPPORT, AUDITOR], ids=lambda o: o.name)
def test_only_a_person_with_finance_and_without_admin_decides(
        desk: Desk, admin: AdminClient, who: DemoOperator) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    for answer in (desk.approve(who, request["id"]), desk.reject(who, request["id"])):
        assert error_of(answer) == (403, 1010, "ROLE_REQUIRED")
    assert desk.rows(wallet_id)[0]["state"] == "pending"
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


def test_above_the_limit_only_a_finance_lead_approves(desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    at_limit = desk.asked(wallet_id, "1000.00")
    above = desk.asked(wallet_id, "1000.01")
    refused = desk.approve(FINANCE_2, above["id"])
    assert error_of(refused) == (403, 1010, "FOUR_EYES_REQUIRED")
    assert "1000.01 BRL is above the approval limit of 1000.00 BRL" in \
        refused.get_json()["message"]
    assert "finance_lead" in refused.get_json()["message"]
    assert admin.balance(wallet_id)["real"] == Decimal(0)
    assert desk.approve(FINANCE_2, at_limit["id"]).status_code == 200
    assert desk.approve(FINANCE_LEAD, above["id"]).status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("2000.01")


def test_a_negative_correction_is_held_to_the_limit_by_its_size(desk: Desk, admin: AdminClient
                                                               ) -> None:
    wallet_id = admin.wallet("2000")
    request = desk.asked(wallet_id, "-1000.01", kind="CORRECTION")
    assert error_of(desk.approve(FINANCE_2, request["id"])) == (403, 1010, "FOUR_EYES_REQUIRED")
    assert desk.approve(FINANCE_LEAD, request["id"]).status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("999.99")


def test_in_a_currency_without_a_limit_only_a_finance_lead_approves(
        desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet(currency="USD")
    request = desk.asked(wallet_id, "0.01")
    refused = desk.approve(FINANCE_2, request["id"])
    assert error_of(refused) == (403, 1010, "FOUR_EYES_REQUIRED")
    assert "limit of 0 USD" in refused.get_json()["message"]
    assert desk.approve(FINANCE_LEAD, request["id"]).status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("0.01")


@pytest.mark.parametrize(("kind", "amount", "sub_wallet", "real", "bonus"), [
    ("WITHDRAWAL", "5", "REAL", "15.00", "3.00"),
    ("CORRECTION", "2.50", "BONUS", "20.00", "5.50"),
    ("CORRECTION", "-2.50", "BONUS", "20.00", "0.50"),
    ("DEPOSIT", "1", "BONUS", "20.00", "4.00"),
])
def test_each_kind_moves_the_sub_wallet_it_names_by_its_sign(
        desk: Desk, admin: AdminClient, kind: str, amount: str, sub_wallet: str, real: str,
        bonus: str) -> None:
    wallet_id = admin.wallet("20", "3")
    request = desk.asked(wallet_id, amount, kind=kind, subWallet=sub_wallet)
    assert desk.approve(FINANCE_2, request["id"]).status_code == 200
    balance = admin.balance(wallet_id)
    assert (balance["real"], balance["bonus"]) == (Decimal(real), Decimal(bonus))


def test_a_request_nobody_decided_in_time_closes_as_expired(
        desk: Desk, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id = admin.wallet("20")
    late, in_time = desk.asked(wallet_id, "1"), desk.asked(wallet_id, "2")
    clock.advance(HOURS_72 - 1)
    assert desk.approve(FINANCE_2, in_time["id"]).status_code == 200
    clock.advance(1)
    assert desk.get(FINANCE, late["id"])["state"] == "EXPIRED"
    assert desk.rows(wallet_id)[0]["state"] == "pending"  # reading changes nothing
    answer = desk.approve(FINANCE_2, late["id"])
    assert error_of(answer) == (409, 1010, "REQUEST_CLOSED")
    assert "expired" in answer.get_json()["message"]
    assert desk.rows(wallet_id)[0]["state"] == "expired"  # kept, though the answer refused
    assert error_of(desk.reject(FINANCE_2, late["id"])) == (409, 1010, "REQUEST_CLOSED")
    assert admin.balance(wallet_id)["real"] == Decimal("22.00")


def test_a_rejected_request_moves_nothing_and_stays_rejected(desk: Desk, admin: AdminClient
                                                            ) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    assert error_of(desk.reject(FINANCE_2, request["id"], None)) == (400, 1010,
                                                                     "INVALID_REQUEST")
    answer = desk.reject(FINANCE_2, request["id"], "no such ticket")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    rejected = decimal_json(answer)
    assert rejected["state"] == "REJECTED" and rejected["decision"] == "no such ticket"
    assert rejected["checker"] == FINANCE_2.name and rejected["movementId"] is None
    assert error_of(desk.approve(FINANCE_LEAD, request["id"])) == (409, 1010, "REQUEST_CLOSED")
    assert error_of(desk.reject(FINANCE_LEAD, request["id"])) == (409, 1010, "REQUEST_CLOSED")
    assert desk.rows(wallet_id)[0]["state"] == "rejected"
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


def test_a_withdrawal_the_store_refuses_fails_and_is_not_retried(desk: Desk, admin: AdminClient
                                                                ) -> None:
    wallet_id = admin.wallet("5")
    request = desk.asked(wallet_id, "10", kind="WITHDRAWAL")
    assert error_of(desk.approve(FINANCE_2, request["id"])) == (400, 1007, "INSUFFICIENT_FUNDS")
    row = desk.rows(wallet_id)[0]
    assert row["state"] == "failed" and row["decision"].startswith("INSUFFICIENT_FUNDS")
    assert desk.get(FINANCE, request["id"])["checker"] == FINANCE_2.name
    admin.post(f"/wallets/{wallet_id}/deposits",
               {"amount": "50", "subWallet": "REAL", "reference": "top-up"})
    assert error_of(desk.approve(FINANCE_LEAD, request["id"])) == (409, 1010, "REQUEST_CLOSED")
    assert admin.balance(wallet_id)["real"] == Decimal("55.00")


def test_a_wallet_no_longer_in_the_requests_currency_fails_it(desk: Desk, admin: AdminClient
                                                             ) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    with psycopg.connect(desk.ledger_url) as conn:
        conn.execute("UPDATE money_requests SET currency = 'USD' WHERE id = %s",
                     (request["id"],))
    assert error_of(desk.approve(FINANCE_LEAD, request["id"])) == (400, 1010, "CURRENCY_ERROR")
    assert desk.rows(wallet_id)[0]["state"] == "failed"
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


def test_an_unknown_request_is_not_found(desk: Desk) -> None:
    for answer in (desk.approve(FINANCE_2, "nope"), desk.reject(FINANCE_2, "nope"),
                   desk.by(FINANCE).get("/money-requests/nope")):
        assert error_of(answer) == (404, 1010, "NOT_FOUND")
