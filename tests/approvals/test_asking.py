"""Asking for manual money: who may, what a request must hold, and that nothing moves yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from devkit.admin import AdminClient
from devkit.operators import (
    ADMIN,
    AUDITOR,
    COMPLIANCE,
    FINANCE,
    FINANCE_LEAD,
    PLATFORM,
    SUPPORT,
    DemoOperator,
)
from devkit.settings import START_MS
from tests.approvals.conftest import Desk, error_of


def test_a_deposit_asked_for_is_pending_and_moves_nothing(desk: Desk, admin: AdminClient
                                                          ) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10.50")
    assert request["kind"] == "DEPOSIT" and request["subWallet"] == "REAL"
    assert request["amount"] == Decimal("10.50") and request["currency"] == "BRL"
    assert request["maker"] == FINANCE.name and request["checker"] is None
    assert request["reasonCode"] == "GOODWILL" and request["ticket"] == "SUP-1234"
    assert request["reference"] == f"req-{request['id']}"
    created = datetime.fromisoformat(request["createdAt"])
    assert created == datetime.fromtimestamp(START_MS / 1000, UTC)
    assert datetime.fromisoformat(request["expiresAt"]) - created == timedelta(hours=72)
    assert desk.rows(wallet_id) == [
        {"id": request["id"], "kind": "deposit", "sub_wallet": "real", "amount": 1050,
         "currency": "BRL", "state": "pending", "decision": None, "movement_id": None}]
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


def test_a_lead_may_ask_too_and_sees_the_request(desk: Desk, admin: AdminClient) -> None:
    request = desk.asked(admin.wallet(), 5, who=FINANCE_LEAD)
    assert request["maker"] == FINANCE_LEAD.name
    assert desk.get(FINANCE, request["id"])["state"] == "PENDING"


@pytest.mark.parametrize("who", [SUPPORT, COMPLIANCE, AUDITOR], ids=lambda o: o.name)
def test_an_operator_without_finance_may_not_ask(desk: Desk, admin: AdminClient,
                                                 who: DemoOperator) -> None:
    wallet_id = admin.wallet()
    assert error_of(desk.ask(who, wallet_id, "10")) == (403, 1010, "ROLE_REQUIRED")
    assert desk.rows(wallet_id) == []


@pytest.mark.parametrize(("who", "why"), [(ADMIN, "holding admin never moves money"),
                                           (PLATFORM, "a service account moves money through")],
                         ids=["admin", "platform"])
def test_an_admin_or_a_service_account_may_not_ask_though_it_holds_finance(
        desk: Desk, admin: AdminClient, who: DemoOperator, why: str) -> None:
    wallet_id = admin.wallet()
    answer = desk.ask(who, wallet_id, "10")
    assert error_of(answer) == (403, 1010, "ROLE_REQUIRED")
    assert why in answer.get_json()["message"]
    assert desk.rows(wallet_id) == []


@pytest.mark.parametrize(("changes", "error_type"), [
    ({"note": None}, "INVALID_REQUEST"),
    ({"note": ""}, "INVALID_REQUEST"),
    ({"ticket": None}, "INVALID_REQUEST"),
    ({"ticket": "SUP\n1"}, "INVALID_REQUEST"),
    ({"reasonCode": "BECAUSE"}, "INVALID_REQUEST"),
    ({"reasonCode": None}, "INVALID_REQUEST"),
    ({"kind": "GIFT"}, "INVALID_REQUEST"),
    ({"subWallet": "CASH"}, "INVALID_REQUEST"),
    ({"amount": None}, "INVALID_REQUEST"),
    ({"extra": 1}, "INVALID_REQUEST"),
    ({"amount": "0"}, "INVALID_AMOUNT"),
    ({"amount": "0.00"}, "INVALID_AMOUNT"),
    ({"amount": "-5"}, "INVALID_AMOUNT"),
    ({"amount": "10.001"}, "INVALID_AMOUNT"),
    ({"amount": "ten"}, "INVALID_AMOUNT"),
    ({"amount": True}, "INVALID_AMOUNT"),
    ({"amount": "1e30"}, "INVALID_AMOUNT"),
    ({"kind": "WITHDRAWAL", "amount": "-5"}, "INVALID_AMOUNT"),
    ({"kind": "CORRECTION", "amount": "0"}, "INVALID_AMOUNT"),
    ({"kind": "CORRECTION", "amount": "-0.001"}, "INVALID_AMOUNT"),
])
def test_a_malformed_request_is_refused_in_the_gpas_shape_and_stores_nothing(
        desk: Desk, admin: AdminClient, changes: dict[str, Any], error_type: str) -> None:
    wallet_id = admin.wallet("20")
    fields = {"amount": "10", **changes}
    answer = desk.ask(FINANCE, wallet_id, **fields)
    assert error_of(answer) == (400, 1010, error_type), answer.get_data(as_text=True)
    assert desk.rows(wallet_id) == []
    assert admin.balance(wallet_id)["real"] == Decimal("20.00")


def test_the_amount_takes_the_decimals_of_the_wallets_currency(desk: Desk, admin: AdminClient
                                                              ) -> None:
    clp = admin.wallet(currency="CLP")
    answer = desk.ask(FINANCE, clp, "10.5")
    assert error_of(answer) == (400, 1010, "INVALID_AMOUNT")
    assert "more than 0 decimal places" in answer.get_json()["message"]
    assert desk.asked(clp, 1500)["amount"] == Decimal(1500)
    assert desk.rows(clp)[0]["amount"] == 1500


def test_a_correction_may_take_money_away(desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "-2.25", kind="CORRECTION", subWallet="BONUS",
                         reasonCode="ERROR_CORRECTION")
    assert request["amount"] == Decimal("-2.25") and request["subWallet"] == "BONUS"
    assert desk.rows(wallet_id)[0]["amount"] == -225


def test_a_request_for_a_wallet_that_does_not_exist_is_refused(desk: Desk) -> None:
    answer = desk.ask(FINANCE, "no-such-wallet", "10")
    assert error_of(answer) == (404, 1010, "NOT_FOUND")
    assert desk.rows("no-such-wallet") == []
