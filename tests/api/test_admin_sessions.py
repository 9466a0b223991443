"""A wallet's sessions, and each session's whole story, through the admin API
(docs/gpas-contract.md, "The admin API")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from devkit.admin import CREATED, AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import START_MS, FakeClock
from tests.support.answers import error_of
from walletsvc.clock import iso_utc


def test_wallet_sessions_are_listed_newest_first_with_their_status(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id = admin.wallet("10")
    first = str(json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"])
    clock.advance(60)
    assert gpas.close(first).status_code == 200
    clock.advance(60)
    second = str(json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"])
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
    [listed] = json_of(admin.get(f"/wallets/{wallet_id}/sessions"))["sessions"]
    assert (listed["id"], listed["status"]) == (session_id, "EXPIRED")


def test_sessions_listing_honours_its_limit(gpas: GpasClient, admin: AdminClient,
                                            clock: FakeClock) -> None:
    wallet_id = admin.wallet()
    opened = []
    for _ in range(3):
        opened.append(json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"])
        clock.advance(1)
    response = admin.get(f"/wallets/{wallet_id}/sessions?limit=2")
    assert [s["id"] for s in json_of(response)["sessions"]] == opened[:0:-1]


def test_sessions_of_an_unknown_wallet_is_404(admin: AdminClient) -> None:
    assert error_of(admin.get("/wallets/no-such-wallet/sessions")) == (404, 1010, "NOT_FOUND")


def test_session_shows_its_whole_story_with_amounts_and_balances_after(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10", bonus="5")
    clock.advance(1)
    debit_id = json_of(gpas.debit(session_id, "12.5", "bet-1"))["movementId"]
    clock.advance(1)
    credit_id = json_of(gpas.credit(session_id, "3", "win-1"))["movementId"]
    clock.advance(1)
    rollback_id = json_of(gpas.rollback(session_id, "bet-1", "rb-1"))["movementId"]
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

    def money(data: dict[str, Any]) -> tuple[Any, ...]:
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
    entries = json_of(admin.get(f"/sessions/{session_id}"))["entries"]
    assert [e["event"] for e in entries] == ["opened"]


def test_unknown_session_is_404(admin: AdminClient) -> None:
    response = admin.get("/sessions/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert error_of(response) == (404, 1010, "NOT_FOUND")
