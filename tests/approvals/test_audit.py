"""Every ask, decision and read of a money request is in the operators' audit log, with its
actor, outcome, and the request and balances before and after."""

from __future__ import annotations

import psycopg

from devkit.admin import AdminClient
from devkit.operators import FINANCE, FINANCE_2, FINANCE_LEAD
from devkit.settings import FakeClock
from tests.approvals.conftest import Desk
from walletsvc.access.audit_log import verify


def test_an_ask_a_refusal_and_an_approval_are_each_recorded_with_the_balances(
        desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet("20")
    request = desk.asked(wallet_id, "10")
    assert desk.approve(FINANCE, request["id"]).status_code == 403
    assert desk.approve(FINANCE_2, request["id"], "ticket checked").status_code == 200
    assert desk.get(FINANCE_LEAD, request["id"])["state"] == "APPROVED"
    asked, refused, approved, viewed = desk.audit(f"money_request:{request['id']}")
    assert (asked["action"], asked["actor_name"], asked["outcome"]) == (
        "money.request", FINANCE.name, 201)
    assert asked["before"] is None
    assert asked["after"]["request"]["state"] == "PENDING"
    assert asked["after"]["request"]["amount"] == "10.00"
    assert asked["after"]["balance"]["real"] == "20.00"
    assert (refused["action"], refused["actor_name"], refused["outcome"]) == (
        "money.approve", FINANCE.name, 403)
    assert (approved["action"], approved["actor_name"], approved["outcome"]) == (
        "money.approve", FINANCE_2.name, 200)
    assert approved["reason"] == "ticket checked"
    assert approved["before"]["request"]["state"] == "PENDING"
    assert approved["before"]["balance"]["real"] == "20.00"
    assert approved["after"]["request"]["state"] == "APPROVED"
    assert approved["after"]["request"]["checker"] == FINANCE_2.name
    assert approved["after"]["balance"]["real"] == "30.00"
    assert (viewed["action"], viewed["actor_name"], viewed["outcome"]) == (
        "money.request.view", FINANCE_LEAD.name, 200)


def test_a_rejection_a_failure_and_an_expiry_are_recorded_with_what_closed_them(
        desk: Desk, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id = admin.wallet("5")
    rejected = desk.asked(wallet_id, "1")
    failed = desk.asked(wallet_id, "6", kind="WITHDRAWAL")
    expired = desk.asked(wallet_id, "2")
    assert desk.reject(FINANCE_2, rejected["id"], "no such ticket").status_code == 200
    assert desk.approve(FINANCE_2, failed["id"]).status_code == 400
    clock.advance(72 * 3600)
    assert desk.approve(FINANCE_2, expired["id"]).status_code == 409
    closed = {name: desk.audit(f"money_request:{request['id']}")[-1]
              for name, request in (("rejected", rejected), ("failed", failed),
                                    ("expired", expired))}
    assert {name: (entry["action"], entry["outcome"], entry["after"]["request"]["state"])
            for name, entry in closed.items()} == {
        "rejected": ("money.reject", 200, "REJECTED"),
        "failed": ("money.approve", 400, "FAILED"),
        "expired": ("money.approve", 409, "EXPIRED")}
    assert closed["rejected"]["reason"] == "no such ticket"
    assert closed["failed"]["before"]["balance"] == closed["failed"]["after"]["balance"]
    assert closed["failed"]["after"]["request"]["decision"].startswith("INSUFFICIENT_FUNDS")


def test_a_refused_ask_and_a_listing_are_recorded_and_the_chain_holds(
        desk: Desk, admin: AdminClient) -> None:
    wallet_id = admin.wallet()
    assert desk.ask(FINANCE, wallet_id, "0").status_code == 400
    assert desk.by(FINANCE).get(f"/money-requests?walletId={wallet_id}").status_code == 200
    (refused,) = desk.audit(f"wallet:{wallet_id}")[-1:]
    assert (refused["action"], refused["actor_name"], refused["outcome"]) == (
        "money.request", FINANCE.name, 400)
    with psycopg.connect(desk.ledger_url) as conn:
        listing = conn.execute("SELECT actor_name, outcome FROM operator_audit"
                               " WHERE action = 'money.request.list'").fetchall()
        assert listing == [(FINANCE.name, 200)]
        found = verify(conn)
    assert found.ok, found.problems
    assert found.entries == 3  # the wallet made, the refused ask, the listing
