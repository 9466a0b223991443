"""Money requests in the console: a finance person asks, another approves after a recent
sign-in, and the wallet moves once; the maker never decides their own request."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask

from devkit.admin import AdminClient
from devkit.settings import FakeClock
from tests.console.conftest import Person, form_token
from walletsvc.access.audit_log import Recorded

ASKED = {"kind": "DEPOSIT", "subWallet": "REAL", "amount": "50.00",
         "reasonCode": "GOODWILL", "note": "a missed bonus", "ticket": "T-1"}


@pytest.fixture
def fiona(console_app: Flask, clock: FakeClock) -> Person:
    """A finance person, signed in."""
    person = Person(console_app, clock)
    assert person.sign_in("fiona-finance").status_code == 302
    return person


@pytest.fixture
def felix(console_app: Flask, clock: FakeClock) -> Person:
    """Another finance person, signed in."""
    person = Person(console_app, clock)
    assert person.sign_in("felix-finance").status_code == 302
    return person


def ask(person: Person, wallet_id: str, **changes: str) -> str:
    """Send the ask form; return the new request's id."""
    form = person.open(f"/console/money-requests/new?walletId={wallet_id}")
    assert form.status_code == 200
    assert f'value="{wallet_id}"' in form.get_data(as_text=True)
    sent = person.client.post("/console/money-requests", data={
        "csrf_token": form_token(form), "walletId": wallet_id, **ASKED, **changes})
    assert sent.status_code == 303, sent.get_data(as_text=True)
    found = re.search(r"done=([^&]+)$", sent.headers["Location"])
    assert found
    return found.group(1)


def decide(person: Person, request_id: str, decision: str, reason: str = "checked"
           ) -> tuple[int, str]:
    """Press approve or reject on the queue; return the status and where it sends."""
    queue = person.open("/console/money-requests")
    answered = person.client.post(
        f"/console/money-requests/{request_id}/{decision}",
        data={"csrf_token": form_token(queue), "reason": reason},
        headers={"Referer": "http://localhost/console/money-requests"})
    return answered.status_code, answered.headers.get("Location", "")


def test_one_asks_another_approves_and_the_balance_moves_once(
        fiona: Person, felix: Person, platform: AdminClient,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="10")
    request_id = ask(fiona, wallet_id)

    queue = felix.text("/console/money-requests")
    assert f'id="request-{request_id}"' in queue
    assert "a missed bonus" in queue and "T-1" in queue and "fiona-finance" in queue
    assert (decide(felix, request_id, "approve")[0]) == 303
    again = decide(felix, request_id, "approve")

    assert again[0] == 409
    assert platform.balance(wallet_id)["real"] == Decimal("60.00")
    assert [e.entry.outcome for e in audited("money.approve")] == [303, 409]
    [made] = audited("money.request")
    assert (made.entry.actor_name, made.entry.target) == (
        "fiona-finance", f"money_request:{request_id}")


def test_the_maker_sees_no_approve_button_and_cannot_approve_by_hand(
        fiona: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet(real="10")
    request_id = ask(fiona, wallet_id)

    queue = fiona.text("/console/money-requests")
    status, _ = decide(fiona, request_id, "approve")

    assert f"/money-requests/{request_id}/approve" not in queue
    assert "Another person decides it." in queue
    assert status == 403
    assert platform.balance(wallet_id)["real"] == Decimal("10.00")


def test_an_approval_long_after_signing_in_asks_for_a_new_sign_in_first(
        fiona: Person, felix: Person, platform: AdminClient, clock: FakeClock,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="10")
    request_id = ask(fiona, wallet_id)
    for _ in range(4):  # active all along, so the session itself lives on
        clock.advance(5 * 60)
        felix.text("/console/")

    status, location = decide(felix, request_id, "approve")

    assert status == 302
    assert location == "/console/signin?next=/console/money-requests&again=1"
    assert "Sign in again to approve" in felix.text(location)
    assert platform.balance(wallet_id)["real"] == Decimal("10.00")
    [refused] = audited("money.approve")
    assert refused.entry.outcome == 401
    assert felix.sign_in("felix-finance", next_page="/console/money-requests").status_code == 302
    assert decide(felix, request_id, "approve")[0] == 303
    assert platform.balance(wallet_id)["real"] == Decimal("60.00")


def test_a_rejection_says_why_and_moves_nothing(
        fiona: Person, felix: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet(real="10")
    request_id = ask(fiona, wallet_id)

    without_reason = decide(felix, request_id, "reject", reason="")
    rejected = decide(felix, request_id, "reject", reason="no ticket found")

    assert without_reason[0] == 400
    assert rejected[0] == 303
    shown = felix.text("/console/money-requests?state=rejected")
    assert "no ticket found" in shown and request_id in shown
    assert platform.balance(wallet_id)["real"] == Decimal("10.00")


def test_the_amount_is_read_as_the_reader_writes_numbers(
        fiona: Person, felix: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet(real="0")
    fiona.open("/console/?lang=pt_BR")
    form = fiona.open(f"/console/money-requests/new?walletId={wallet_id}")
    english_way = fiona.client.post("/console/money-requests", data={
        "csrf_token": form_token(form), "walletId": wallet_id, **ASKED, "amount": "1,234.50"})
    assert english_way.status_code == 400
    assert "1.234,50" in english_way.get_data(as_text=True)

    request_id = ask(fiona, wallet_id, amount="1.234,50")
    assert decide(felix, request_id, "approve")[0] == 303

    assert platform.balance(wallet_id)["real"] == Decimal("1234.50")


def test_the_form_refuses_what_the_api_refuses_and_keeps_what_was_typed(
        fiona: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    form = fiona.open("/console/money-requests/new")
    sent = fiona.client.post("/console/money-requests", data={
        "csrf_token": form_token(form), "walletId": wallet_id, **ASKED, "ticket": ""})

    assert sent.status_code == 400
    page = sent.get_data(as_text=True)
    assert 'id="ticket-problem"' in page and "a missed bonus" in page


def test_support_sees_no_money_requests_and_is_refused_them(
        person: Person) -> None:
    person.sign_in("sam-support")

    assert "Money requests" not in person.text("/console/")
    assert person.open("/console/money-requests").status_code == 403
    assert person.open("/console/money-requests/new").status_code == 403
