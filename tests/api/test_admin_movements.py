"""A wallet's movements through the admin API: newest first, a page at a time
(docs/gpas-contract.md, "The admin API")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from devkit.admin import AdminClient, deposit, withdraw
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from tests.support.answers import error_of


def movement_refs(admin: AdminClient, wallet_id: str) -> list[str]:
    """Return the references of the wallet's movements, newest first (one big page)."""
    response = admin.get(f"/wallets/{wallet_id}/movements?limit=200")
    assert response.status_code == 200
    return [m["data"]["ref"] for m in decimal_json(response)["movements"]]


def make_history(gpas: GpasClient, admin: AdminClient, games: int) -> tuple[str, list[str]]:
    """Give a wallet adjustments and ``games`` bet/win pairs; return its references in order."""
    wallet_id = admin.wallet()
    refs = ["dep-real", "dep-bonus", "wd-1"]
    deposit(admin, wallet_id, "100", "dep-real")
    deposit(admin, wallet_id, "10", "dep-bonus", "BONUS")
    withdraw(admin, wallet_id, "1", "wd-1")
    session_id = str(json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"])
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
