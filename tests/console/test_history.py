"""A wallet's history from the ledger: its statement for any dates (a page of lines, every line
as CSV) and its balances at a past moment; read by the roles that read players, and recorded."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, deposit, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.console.conftest import Person
from walletsvc.access.audit_log import Recorded
from walletsvc.console import history

HOUR = 3_600
DAY = 24 * HOUR
_LINE = re.compile(r"<tr>\s*<td>[^<]+ UTC</td>\s*<td>([^<]+)</td>\s*<td>([^<]+?)(?: <small>[^<]*"
                   r"</small>)?</td>\s*<td>(?:<a href=\"/console/sessions/([^\"]+)\">[^<]+</a>|—)"
                   r"</td>\s*<td>([^<]+)</td>\s*<td class=\"amount\">([^<]+)</td>\s*"
                   r"<td class=\"amount\">([^<]+)</td>")


def new_session(gpas: GpasClient[TestResponse], platform: AdminClient, wallet_id: str) -> str:
    """Open a session on the wallet now; return its id."""
    opened = gpas.open_session(wallet_id, platform.token(wallet_id))
    assert opened.status_code == 200, opened.get_data(as_text=True)
    return str(json_of(opened)["id"])


def balances(page: str, row: str) -> list[str]:
    """Return the real, bonus and total of the statement's opening or closing row."""
    found = re.search(rf'<tr data-testid="{row}">.*?</tr>', page, re.DOTALL)
    assert found, page
    return re.findall(r'<td class="amount">([^<]+)</td>', found.group(0))


def test_a_statement_shows_the_days_movements_between_their_opening_and_closing_balances(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        clock: FakeClock, export: Callable[[], None],
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id, _ = open_session(gpas, platform, real="100", bonus="5")  # 2026-09-21 14:13
    clock.advance(10 * HOUR)
    session_id = new_session(gpas, platform, wallet_id)
    assert gpas.debit(session_id, "7.50", "bet-1").status_code == 200
    assert gpas.credit(session_id, "12.00", "win-1").status_code == 200
    assert gpas.debit(session_id, "2.00", "bet-2").status_code == 200
    assert gpas.rollback(session_id, "bet-2", "rb-2").status_code == 200
    clock.advance(DAY)
    later = new_session(gpas, platform, wallet_id)
    assert gpas.debit(later, "1.00", "bet-later").status_code == 200
    export()
    person.sign_in("sam-support")

    page = person.text(f"/console/wallets/{wallet_id}/statement?from=2026-09-22&to=2026-09-22")

    assert balances(page, "opening") == ["100.00 BRL", "5.00 BRL", "105.00 BRL"]
    assert balances(page, "closing") == ["104.50 BRL", "5.00 BRL", "109.50 BRL"]
    assert _LINE.findall(page) == [
        ("bet", "bet-1", session_id, "agt-13", "-7.50 BRL", "97.50 BRL"),
        ("win", "win-1", session_id, "agt-13", "12.00 BRL", "109.50 BRL"),
        ("bet", "bet-2", session_id, "agt-13", "-2.00 BRL", "107.50 BRL"),
        ("rollback", "rb-2", session_id, "agt-13", "2.00 BRL", "109.50 BRL")]
    assert "bet-later" not in page and "more lines" not in page
    [*_, read] = audited("statement.view")
    assert (read.entry.actor_name, read.entry.target, read.entry.outcome, read.entry.after) == (
        "sam-support", f"wallet:{wallet_id}", 200,
        {"from": "2026-09-22", "to": "2026-09-22", "format": "html"})


def test_the_wallet_page_leads_to_the_statement_of_the_month_so_far(
        person: Person, platform: AdminClient, export: Callable[[], None]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("sam-support")

    wallet_page = person.text(f"/console/wallets/{wallet_id}")
    statement = person.text(f"/console/wallets/{wallet_id}/statement")

    assert f'action="/console/wallets/{wallet_id}/statement"' in wallet_page
    assert 'name="from" type="date" value="2026-09-01"' in wallet_page
    assert 'name="to" type="date" value="2026-09-21"' in wallet_page
    assert f'action="/console/wallets/{wallet_id}/balance-at"' in wallet_page
    assert 'value="2026-09-21T14:13"' in wallet_page
    assert balances(statement, "opening")[0] == "0.00 BRL"
    assert balances(statement, "closing")[0] == "10.00 BRL"
    assert [line[1] for line in _LINE.findall(statement)] == ["fund-REAL"]


def test_a_long_statement_shows_its_first_lines_and_the_csv_holds_every_line_exactly(
        person: Person, platform: AdminClient, export: Callable[[], None],
        monkeypatch: pytest.MonkeyPatch, audited: Callable[[str], list[Recorded]]) -> None:
    monkeypatch.setattr(history, "LINES_SHOWN", 3)
    wallet_id = platform.wallet()
    for n in range(7):
        assert deposit(platform, wallet_id, f"{n + 1}.0{n}", f"dep-{n}").status_code == 200
    export()
    person.sign_in("sam-support")
    path = f"/console/wallets/{wallet_id}/statement?from=2026-09-01&to=2026-09-30"

    page = person.text(path)
    download = person.open(f"{path}&format=csv")

    assert [line[1] for line in _LINE.findall(page)] == ["dep-0", "dep-1", "dep-2"]
    assert "4 more lines are not shown here" in page
    assert f'href="/console/wallets/{wallet_id}/statement?format=csv&amp;from=2026-09-01' \
           f'&amp;to=2026-09-30"' in page
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True))))
    assert [(r["reference"], r["event"], r["amount"], r["realAfter"]) for r in rows] == [
        ("dep-0", "deposit", "1.00", "1.00"), ("dep-1", "deposit", "2.01", "3.01"),
        ("dep-2", "deposit", "3.02", "6.03"), ("dep-3", "deposit", "4.03", "10.06"),
        ("dep-4", "deposit", "5.04", "15.10"), ("dep-5", "deposit", "6.05", "21.15"),
        ("dep-6", "deposit", "7.06", "28.21")]
    [*_, page_read, csv_read] = audited("statement.view")
    assert page_read.entry.after["format"] == "html"
    assert (csv_read.entry.after, csv_read.entry.outcome) == (
        {"from": "2026-09-01", "to": "2026-09-30", "format": "csv"}, 200)


@pytest.mark.parametrize("dates", [
    "from=2026-09-31&to=2026-10-01",  # no such day
    "from=yesterday&to=2026-10-01",
    "from=2026-09-22&to=2026-09-21",  # the first after the last
    "from=2025-09-20&to=2026-09-21",  # 367 days
])
def test_dates_that_make_no_statement_are_refused_with_a_page_saying_why(
        dates: str, person: Person, platform: AdminClient, export: Callable[[], None],
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("sam-support")

    refused = person.open(f"/console/wallets/{wallet_id}/statement?{dates}")
    refused_csv = person.open(f"/console/wallets/{wallet_id}/statement?{dates}&format=csv")

    assert refused.status_code == refused_csv.status_code == 400
    text = refused.get_data(as_text=True)
    assert "These dates make no statement" in text and "at most 366 days" in text
    assert refused_csv.mimetype == "text/html"
    assert [e.entry.outcome for e in audited("statement.view")] == [400, 400]


def test_a_year_is_the_longest_statement(
        person: Person, platform: AdminClient, export: Callable[[], None]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("sam-support")

    year = person.open(f"/console/wallets/{wallet_id}/statement?from=2025-09-21&to=2026-09-21")

    assert year.status_code == 200


def test_a_wallet_the_ledger_does_not_hold_has_no_statement(person: Person) -> None:
    person.sign_in("sam-support")

    missing = person.open("/console/wallets/nobody/statement?from=2026-09-01&to=2026-09-02")
    missing_past = person.open("/console/wallets/nobody/balance-at?at=2026-09-01T00:00")

    assert missing.status_code == missing_past.status_code == 404


def test_a_role_that_reads_no_player_is_refused_the_history(
        person: Person, platform: AdminClient, export: Callable[[], None],
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("ana-auditor")

    pages = [person.open(f"/console/wallets/{wallet_id}/{path}") for path in (
        "statement?from=2026-09-01&to=2026-09-30",
        "statement?from=2026-09-01&to=2026-09-30&format=csv",
        "balance-at?at=2026-09-21T15:00")]

    assert [answered.status_code for answered in pages] == [403, 403, 403]
    assert all("10.00" not in answered.get_data(as_text=True) for answered in pages)
    assert [e.entry.outcome for e in audited("statement.view")] == [403, 403]
    [refused] = audited("wallet.balance-at")
    assert (refused.entry.actor_name, refused.entry.outcome) == ("ana-auditor", 403)


def past(person: Person, wallet_id: str, at: str) -> str:
    """Open the balance of ``wallet_id`` at ``at``."""
    return person.text(f"/console/wallets/{wallet_id}/balance-at?at={at}")


def test_the_balance_at_a_moment_is_the_one_right_after_the_last_movement_before_it(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        clock: FakeClock, export: Callable[[], None],
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="100", bonus="5")  # 14:13:20
    clock.advance(60)
    assert gpas.debit(session_id, "7.50", "bet-1").status_code == 200  # 14:14:20
    export()
    person.sign_in("carla-compliance")

    before_it = past(person, wallet_id, "2026-09-21T14:14:19")
    at_it = past(person, wallet_id, "2026-09-21T14:14:20")
    after_it = past(person, wallet_id, "2026-09-21T14:14:45")

    assert _past_amounts(before_it) == ["105.00 BRL", "100.00 BRL", "5.00 BRL"]
    assert "fund-BONUS" in before_it  # the last funding (bonus) set it
    for page in (at_it, after_it):
        assert _past_amounts(page) == ["97.50 BRL", "92.50 BRL", "5.00 BRL"]
        assert "<dd>bet-1</dd>" in page and f'href="/console/sessions/{session_id}"' in page
        assert "Sep 21, 2026, 2:14:20" in page
    assert "still to come" not in after_it and "last export" not in after_it
    [*_, read] = audited("wallet.balance-at")
    assert (read.entry.actor_name, read.entry.target, read.entry.after) == (
        "carla-compliance", f"wallet:{wallet_id}", {"at": "2026-09-21T14:14:45+00:00"})


def _past_amounts(page: str) -> list[str]:
    found = re.search(r'<table data-testid="past-balance">.*?</table>', page, re.DOTALL)
    assert found, page
    return re.findall(r'<td class="amount">([^<]+)</td>', found.group(0))


def test_before_the_wallet_existed_there_was_no_balance(
        person: Person, platform: AdminClient, export: Callable[[], None]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("sam-support")

    before = past(person, wallet_id, "2026-09-21T14:13:19")

    assert "the wallet did not exist yet" in before
    assert "10.00" not in before


def test_a_moment_the_ledger_has_not_reached_is_answered_as_of_its_last_export(
        person: Person, platform: AdminClient, export: Callable[[], None]) -> None:
    wallet_id = platform.wallet(real="10")
    export()
    person.sign_in("sam-support")

    later = past(person, wallet_id, "2099-01-01T00:00")

    assert "That moment is still to come." in later
    assert "up to its last export, at" in later
    assert _past_amounts(later) == ["10.00 BRL", "10.00 BRL", "0.00 BRL"]


def test_a_moment_that_is_none_is_refused(person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("sam-support")

    refused = person.open(f"/console/wallets/{wallet_id}/balance-at?at=tomorrow")

    assert refused.status_code == 400
    assert "Write the moment as a date and time" in refused.get_data(as_text=True)
