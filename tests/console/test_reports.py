"""The finance and compliance pages: GPAS's reconciliation report beside the ledger's, down to a
row's movements and as CSV, and the ledger's health by the alerts' thresholds."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import FakeClock
from tests.console.conftest import Person
from tests.support.store import FakeRedis
from walletsvc.access.audit_log import Recorded
from walletsvc.console import reports
from walletsvc.errors import LedgerUnavailable
from walletsvc.store import keys

TODAY = "2026-09-21"  # devkit.settings.START_MS
ALERTS = Path(__file__).resolve().parents[2] / "config" / "prometheus" / "walletsvc-alerts.yml"
_ROW = re.compile(r'<tbody class="state-(\w+)" data-testid="row">(.*?)</tbody>', re.S)
_FIGURE = re.compile(r'<td class="amount[^"]*">([^<]*)</td>')
_LINK = re.compile(r'href="(/console/reconciliation/movements\?[^"]+)"')


def rows(page: str) -> list[tuple[str, str, list[str]]]:
    """Return each row's state, its game cell and its figures (GPAS's 8, the ledger's 8, then
    the differences' 8 when it differs)."""
    found = []
    for state, body in _ROW.findall(page):
        game = re.search(r"<a href=[^>]+>([^<]+)</a>", body)
        assert game, body
        found.append((state, game.group(1), _FIGURE.findall(body)))
    return found


def play(gpas: GpasClient[TestResponse], session_id: str) -> None:
    """Bet 10 and 2, win 4.50, roll the 2 back: on agt-13 (provider AGT)."""
    for answer in (gpas.debit(session_id, "10.00", "bet-1"),
                   gpas.credit(session_id, "4.50", "win-1"),
                   gpas.debit(session_id, "2.00", "bet-2"),
                   gpas.rollback(session_id, "bet-2", "rb-2")):
        assert answer.status_code == 200, answer.get_data(as_text=True)


PLAYED = ["12.00", "2.00", "4.50", "0.00", "5.50", "2", "1", "1"]


def test_finance_sees_gpas_report_and_the_ledgers_side_by_side_matching(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], audited: Callable[[str], list[Recorded]]) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    export()
    person.sign_in("fiona-finance")

    page = person.text(f"/console/reconciliation?date_from={TODAY}")

    assert rows(page) == [("match", "agt-13", PLAYED + PLAYED)]
    assert "matches" in page and 'data-testid="lag"' in page  # today: the ledger's lag said
    totals = re.findall(r'data-testid="total">(.*?)</tbody>', page, re.S)
    assert len(totals) == 1 and _FIGURE.findall(totals[0]) == PLAYED + PLAYED + [
        "0.00", "0.00", "0.00", "0.00", "0.00", "0", "0", "0"]
    [entry] = [e.entry for e in audited("report.reconciliation")]
    assert (entry.actor_name, entry.outcome) == ("fiona-finance", 200)
    assert entry.after == {"date_from": TODAY, "date_to": TODAY, "rows": 1, "differences": 0}


def test_a_movement_redis_has_and_the_ledger_lacks_shows_as_a_difference(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None]) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    export()
    assert gpas.debit(session_id, "3.00", "bet-late").status_code == 200
    assert gpas.debit(session_id, "1.25", "bet-other",
                      tags={"gameid": "pgs-7"}).status_code == 200
    person.sign_in("carla-compliance")

    page = person.text(f"/console/reconciliation?date_from={TODAY}")

    [agt, pgs] = rows(page)
    assert agt[:2] == ("differs", "agt-13")
    assert agt[2][:8] == ["15.00", "2.00", "4.50", "0.00", "8.50", "3", "1", "1"]
    assert agt[2][8:16] == PLAYED
    assert agt[2][16:] == ["3.00", "0.00", "0.00", "0.00", "3.00", "1", "0", "0"]
    # Only Redis has the other game's row: a difference too, the ledger's side empty.
    assert pgs[:2] == ("differs", "pgs-7")
    assert pgs[2][8:16] == ["—"] * 8 and pgs[2][16] == "1.25"
    assert re.search(r"the ledger is [\d.]+ seconds behind Redis \(waiting to be exported: 2\)",
                     page)


def test_past_the_rows_a_page_shows_those_that_differ_come_first_and_the_totals_count_all(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    for game, reference in (("abc-1", "bet-a"), ("agt-13", "bet-b"), ("pgs-7", "bet-c")):
        assert gpas.debit(session_id, "1.00", reference,
                          tags={"gameid": game}).status_code == 200
    export()
    assert gpas.debit(session_id, "2.00", "bet-late",
                      tags={"gameid": "agt-13"}).status_code == 200  # not in the ledger yet
    monkeypatch.setattr(reports, "ROWS_SHOWN", 2)
    person.sign_in("fiona-finance")

    page = person.text(f"/console/reconciliation?date_from={TODAY}")

    assert [(state, game) for state, game, _ in rows(page)] == [("differs", "agt-13"),
                                                               ("match", "abc-1")]
    assert re.search(r'data-testid="rows-cut">2 of 3 rows are shown, those that differ first',
                     page)
    totals = re.findall(r'data-testid="total">(.*?)</tbody>', page, re.S)
    assert _FIGURE.findall(totals[0])[:8] == ["5.00", "0.00", "0.00", "0.00", "5.00", "4",
                                              "0", "0"]  # GPAS's side: every row's bets


def test_a_day_redis_no_longer_keeps_is_said_so_not_called_a_difference(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], clock: FakeClock) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    export()
    clock.advance(121 * 86_400)  # past the retention period (120 days)
    person.sign_in("fiona-finance")

    page = person.text(f"/console/reconciliation?date_from={TODAY}")

    [(state, _, figures)] = rows(page)
    assert state == "gone" and figures[8:] == PLAYED and "Difference<" not in page
    assert "Redis no longer holds this day" in page
    assert f"Redis no longer holds {TODAY}: it keeps a day's counters for 120 days" in page
    assert 'data-testid="lag"' not in page  # not today


def test_the_form_opens_on_yesterday(person: Person) -> None:
    person.sign_in("fiona-finance")

    page = person.text("/console/reconciliation")

    assert 'name="date_from" type="date" value="2026-09-20"' in page
    assert "No movements on these days." in page


def test_a_row_opens_on_its_movements_fifty_at_a_time(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="100")
    for n in range(55):
        assert gpas.debit(session_id, "0.10", f"bet-{n:02}").status_code == 200
    export()
    person.sign_in("fiona-finance")
    link = _LINK.search(person.text(f"/console/reconciliation?date_from={TODAY}"))
    assert link, "no link to the row's movements"

    first = person.text(link.group(1).replace("&amp;", "&"))
    later = re.search(r'href="(/console/reconciliation/movements\?[^"]*after=[^"]+)"', first)
    assert later, first
    rest = person.text(later.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})

    assert re.findall(r"<td>(bet-\d+)</td>", first) == [f"bet-{n:02}" for n in range(50)]
    assert rest.lstrip().startswith("<tbody>") and "after=" not in rest
    assert re.findall(r"<td>(bet-\d+)</td>", rest) == [f"bet-{n:02}" for n in range(50, 55)]
    assert f'href="/console/wallets/{wallet_id}"' in first
    assert f'href="/console/sessions/{session_id}"' in first and "0.10 BRL" in first
    targets = [(e.entry.target, e.entry.outcome)
               for e in audited("report.reconciliation.movements")]
    assert targets == [(f"reconciliation:{TODAY}/AGT/agt-13/BRL", 200)] * 2


def test_the_csv_holds_the_rows_both_sides_and_their_state(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], audited: Callable[[str], list[Recorded]]) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    export()
    assert gpas.debit(session_id, "3.00", "bet-late").status_code == 200
    person.sign_in("fiona-finance")
    page = person.text(f"/console/reconciliation?date_from={TODAY}&provider_code=agt")
    link = re.search(r'href="(/console/reconciliation/export\?[^"]+)" download', page)
    assert link, page

    exported = person.open(link.group(1).replace("&amp;", "&"))

    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert (row["date"], row["provider_code"], row["game_id"], row["state"]) == (
        TODAY, "AGT", "agt-13", "differs")
    assert (row["gpas_total_bet"], row["ledger_total_bet"]) == ("15.00", "12.00")
    assert [e.entry.after for e in audited("report.reconciliation.export")] == [
        {"date_from": TODAY, "date_to": TODAY, "provider_code": "AGT", "rows": 1}]


def test_support_opens_neither_page_and_an_auditor_only_the_ledgers_health(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    pages = ("/console/reconciliation", "/console/reconciliation/export",
             f"/console/reconciliation/movements?day={TODAY}&provider=AGT&game=g&currency=BRL",
             "/console/ledger")
    person.sign_in("sam-support")
    home = person.text("/console/")
    refused = [person.open(path).status_code for path in pages]
    auditor = Person(person.app, person.clock)
    auditor.sign_in("ana-auditor")

    assert "Reconciliation" not in home and "Ledger health" not in home
    assert refused == [403] * 4
    assert "Ledger health" in auditor.text("/console/ledger")
    assert auditor.open("/console/reconciliation").status_code == 403
    assert [e.entry.outcome for e in audited("ledger.health")] == [403, 200]


@pytest.mark.parametrize(("query", "said"), [
    ("date_from=2026-02-30", "date_from: Not a valid date."),
    ("date_from=2026-08-01&date_to=2026-09-21", "at most 31 days per call"),
    ("date_from=2026-09-21&date_to=2026-09-01", "date_to is before date_from"),
])
def test_a_bad_day_or_range_is_refused_with_a_page_saying_why(
        person: Person, redis: FakeRedis, audited: Callable[[str], list[Recorded]],
        query: str, said: str) -> None:
    person.sign_in("fiona-finance")
    held = redis.dbsize()

    for path in ("/console/reconciliation", "/console/reconciliation/export"):
        refused = person.open(f"{path}?{query}")
        assert refused.status_code == 400
        assert said in refused.get_data(as_text=True) and "Not possible" in refused.get_data(
            as_text=True)
    assert redis.dbsize() == held
    assert [e.entry.outcome for e in audited("report.reconciliation")] == [400]
    assert [e.entry.outcome for e in audited("report.reconciliation.export")] == [400]


def test_the_movements_of_a_row_need_a_day_a_game_and_a_known_currency(person: Person) -> None:
    person.sign_in("fiona-finance")

    refused = person.open("/console/reconciliation/movements?day=21-09-2026&provider=AGT")
    unknown = person.open(f"/console/reconciliation/movements?day={TODAY}&provider=AGT"
                          "&game=agt-13&currency=XYZ")
    bad_keys = [person.open(f"/console/reconciliation/movements?day={TODAY}&provider=AGT"
                            f"&game=agt-13&currency=BRL&after={key}")
                for key in ("yesterday", "9" * 30 + ".00.1.1")]

    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "day: Not a valid date." in text and "game: Missing data" in text
    assert unknown.status_code == 400
    assert "&#39;XYZ&#39; is not a currency the wallets hold" in unknown.get_data(as_text=True)
    for bad_key in bad_keys:
        assert bad_key.status_code == 400
        assert "after must be a movement&#39;s key" in bad_key.get_data(as_text=True)


def test_with_redis_down_the_ledgers_side_is_shown_and_nothing_compared(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        export: Callable[[], None], redis: FakeRedis) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    export()
    person.sign_in("fiona-finance")
    _disconnect(redis)

    page = person.text(f"/console/reconciliation?date_from={TODAY}")
    health = person.text("/console/ledger")

    [(state, _, figures)] = rows(page)
    assert state == "unchecked" and figures[8:] == PLAYED
    assert 'data-testid="redis-unavailable"' in page
    assert 'data-testid="lag-unknown"' in health and 'data-testid="verify-stale"' in health


def test_with_the_ledger_down_both_pages_say_so(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _, session_id = open_session(gpas, platform, real="100")
    play(gpas, session_id)
    person.sign_in("fiona-finance")
    monkeypatch.setattr(reports, "open_book", _unavailable)

    page = person.text(f"/console/reconciliation?date_from={TODAY}")
    health = person.text("/console/ledger")

    [(state, _, figures)] = rows(page)
    assert state == "unchecked" and figures[:8] == PLAYED
    assert 'data-testid="ledger-unavailable"' in page
    assert 'data-testid="verify-unknown"' in health and 'data-testid="lag-ok"' in health


def test_the_ledgers_health_is_good_after_a_clean_run_and_no_lag(
        person: Person, ledger_url: str, clock: FakeClock,
        audited: Callable[[str], list[Recorded]]) -> None:
    _run(ledger_url, clock, hours_ago=30, ok=True, findings={"wallets": 3, "differences": 0})
    _run(ledger_url, clock, hours_ago=2, ok=True, findings={"wallets": 1234, "differences": 0})
    person.sign_in("carla-compliance")

    page = person.text("/console/ledger")

    assert 'data-testid="lag-ok"' in page and 'data-testid="verify-ok"' in page
    assert re.search(r'data-testid="pending">0<', page)
    assert page.count('data-testid="run"') == 2 and "wallets compared: 1,234" in page
    assert "Sep 21, 2026, 12:13:20" in page  # the last clean run's end
    [entry] = [e.entry for e in audited("ledger.health")]
    assert entry.after == {"lagSeconds": 0.0, "pending": 0, "verifyFailed": False}


def test_the_ledgers_health_says_behind_and_failed_by_the_alerts_numbers(
        person: Person, ledger_url: str, clock: FakeClock, redis: FakeRedis) -> None:
    _run(ledger_url, clock, hours_ago=3, ok=True, findings={"differences": 0})
    _run(ledger_url, clock, hours_ago=1, ok=False, findings={"differences": 2})
    person.sign_in("fiona-finance")
    # An entry the exporter has not taken for two minutes, in one shard's outbox.
    redis.xadd(keys.outbox("00"), {"event": "debit"}, id=f"{clock.now_ms - 120_000}-0")

    page = person.text("/console/ledger")

    assert 'data-testid="lag-behind"' in page and "120.0 seconds old" in page
    assert re.search(r'data-testid="pending">1<', page)
    assert 'data-testid="verify-failed"' in page and "found something" in page


def test_a_run_that_found_summary_rows_differing_names_them_in_both_languages(
        person: Person, ledger_url: str, clock: FakeClock) -> None:
    _run(ledger_url, clock, hours_ago=1, ok=False,
         findings={"differences": 0, "summaryRowsCompared": 1200, "summaryDifferences": 3})
    person.sign_in("fiona-finance")

    english = person.text("/console/ledger", headers={"Accept-Language": "en"})
    portuguese = person.text("/console/ledger", headers={"Accept-Language": "pt-BR"})

    assert 'data-testid="verify-failed"' in english
    assert "a reconciliation summary row that differs from its entries" in english
    assert "reconciliation summary rows compared: 1,200" in english
    assert "reconciliation summary rows differing from their entries: 3" in english
    assert "linhas do resumo de conciliação comparadas: 1.200" in portuguese
    assert "linhas do resumo de conciliação que diferem dos seus registros: 3" in portuguese


@pytest.mark.parametrize(("hours_ago", "state"), [(25, "verify-ok"), (27, "verify-stale")])
def test_verify_is_stale_after_the_alerts_26_hours(
        person: Person, ledger_url: str, clock: FakeClock, hours_ago: int, state: str) -> None:
    _run(ledger_url, clock, hours_ago=hours_ago, ok=True, findings={})
    person.sign_in("ana-auditor")

    assert f'data-testid="{state}"' in person.text("/console/ledger")


def test_the_pages_thresholds_are_the_alerts() -> None:
    rules = ALERTS.read_text()
    lag = re.search(r"alert: WalletsvcLedgerLag\s+expr: .*\(walletsvc_ledger_lag_seconds\)"
                    r" > (\d+)\n", rules)
    stale = re.search(r"alert: WalletsvcLedgerVerifyStale\s+expr: \|\s+.*"
                      r"walletsvc_ledger_verify_last_success_timestamp_seconds\) > (\d+) \* 3600",
                      rules)

    assert lag and int(lag.group(1)) == reports.LAG_ALERT_S
    assert stale and int(stale.group(1)) * 3600 == reports.VERIFY_STALE_S


def _run(url: str, clock: FakeClock, hours_ago: float, ok: bool, findings: dict[str, Any]
         ) -> None:
    finished = datetime.fromtimestamp(clock.now_ms / 1000, UTC) - timedelta(hours=hours_ago)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO ledger_verify_runs (started_at, finished_at, ok, findings)"
                     " VALUES (%s, %s, %s, %s)",
                     (finished - timedelta(minutes=5), finished, ok, Jsonb(findings)))


def _disconnect(redis: FakeRedis) -> None:
    connection = redis.connection_pool.get_connection()
    connection._server.connected = False  # type: ignore[attr-defined]
    redis.connection_pool.release(connection)


def _unavailable(*_: Any) -> Any:
    raise LedgerUnavailable("PostgreSQL failed: OperationalError")
