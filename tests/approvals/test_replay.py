"""An approval whose record is lost after the store applied it: approving again replays the
same reference, and the balance moves once."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from devkit.admin import AdminClient, deposit
from devkit.operators import FINANCE_2, FINANCE_LEAD
from devkit.responses import decimal_json
from devkit.settings import FakeClock
from tests.approvals.conftest import Desk, error_of
from walletsvc.access import guard
from walletsvc.access.audit_log import AuditEntry, Recorded, append
from walletsvc.errors import StoreNotReady
from walletsvc.store import WalletStore


@pytest.fixture
def lost_commits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make the next approval's transaction fail once after the view applied it, as if the
    connection dropped before the commit; yield the requests whose commit was lost."""
    lost: list[str] = []

    def failing(conn: psycopg.Connection[Any], entry: AuditEntry) -> Recorded:
        if entry.action == "money.approve" and entry.outcome == 200 and not lost:
            lost.append(entry.target)
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        return append(conn, entry)

    monkeypatch.setattr(guard, "append", failing)
    yield lost


def test_approving_again_after_a_lost_commit_moves_the_balance_once(
        desk: Desk, admin: AdminClient, lost_commits: list[str]) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    first = desk.approve(FINANCE_2, request["id"])
    assert error_of(first) == (503, 1001, "ACCESS_UNAVAILABLE")
    assert lost_commits == [f"money_request:{request['id']}"]
    assert desk.rows(wallet_id)[0]["state"] == "pending"
    assert admin.balance(wallet_id)["real"] == Decimal("30.00")  # the store applied it
    again = desk.approve(FINANCE_2, request["id"])
    assert again.status_code == 200, again.get_data(as_text=True)
    approved = decimal_json(again)
    assert approved["replayed"] is True and approved["request"]["state"] == "APPROVED"
    assert approved["wallet"]["balance"]["real"] == Decimal("30.00")
    assert admin.balance(wallet_id)["real"] == Decimal("30.00")
    assert desk.rows(wallet_id)[0]["movement_id"] == approved["request"]["movementId"]


def test_a_request_whose_movement_was_applied_cannot_be_rejected_nor_expire(
        desk: Desk, admin: AdminClient, lost_commits: list[str], clock: FakeClock) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    assert desk.approve(FINANCE_2, request["id"]).status_code == 503
    answer = desk.reject(FINANCE_LEAD, request["id"])
    assert error_of(answer) == (409, 1010, "REQUEST_CLOSED")
    assert "was applied" in answer.get_json()["message"]
    clock.advance(73 * 3600)
    again = desk.approve(FINANCE_2, request["id"])
    assert again.status_code == 200, again.get_data(as_text=True)
    assert decimal_json(again)["replayed"] is True
    assert desk.rows(wallet_id)[0]["state"] == "approved"
    assert admin.balance(wallet_id)["real"] == Decimal("30.00")


def test_a_movement_already_applied_under_the_reference_is_replayed_not_repeated(
        desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "-4", kind="CORRECTION")
    applied = admin.post(f"/wallets/{wallet_id}/withdrawals", {
        "amount": "4", "subWallet": "REAL", "reference": request["reference"]})
    assert applied.status_code == 200
    answer = desk.approve(FINANCE_2, request["id"])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    approved = decimal_json(answer)
    assert approved["replayed"] is True
    assert approved["request"]["movementId"] == applied.get_json()["movementId"]
    assert admin.balance(wallet_id)["real"] == Decimal("16.00")


def test_a_reference_taken_by_another_movement_fails_the_request(desk: Desk, admin: AdminClient
                                                                ) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    assert deposit(admin, wallet_id, "3", request["reference"]).status_code == 200
    assert error_of(desk.approve(FINANCE_2, request["id"])) == (400, 1003, "DUPLICATE_TX_ID")
    assert desk.rows(wallet_id)[0]["state"] == "failed"
    assert admin.balance(wallet_id)["real"] == Decimal("23.00")


def test_a_store_that_cannot_answer_leaves_the_request_pending(
        desk: Desk, admin: AdminClient, monkeypatch: pytest.MonkeyPatch) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")

    def not_ready(*args: Any, **kwargs: Any) -> None:
        raise StoreNotReady("being restored")

    with monkeypatch.context() as patched:
        patched.setattr(WalletStore, "adjust", not_ready)
        assert error_of(desk.approve(FINANCE_2, request["id"])) == (503, 1001,
                                                                    "STORE_NOT_READY")
    assert desk.rows(wallet_id)[0]["state"] == "pending"
    assert desk.approve(FINANCE_2, request["id"]).status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("30.00")
