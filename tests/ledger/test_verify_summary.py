"""ledger verify finds the recent days' reconciliation summary rows that differ from the sums of
their entries (changed, missing, or with no entries behind them), names them, and fails the run;
days before its window are not compared."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from click.testing import Result

from tests.support.ledger import Bench
from tests.support.traffic import play
from walletsvc.ledger.database import Partitions
from walletsvc.ledger.records import moment
from walletsvc.ledger.summary import COUNTERS, check_summary
from walletsvc.ledger.verify import Verdict, verify

RETENTION_MS = 120 * 86_400_000  # the tests' settings keep the default retention
_ROW = ("SELECT day, provider_code, game_id, currency, bet, count_bet, win, count_win,"
        " bet_rollback, win_rollback, count_rollback FROM ledger_reconciliation_daily"
        " WHERE day = %s ORDER BY provider_code, game_id, currency LIMIT 1")
# Counted here from the entries, independently of the ledger's own function.
_KEYS_OF_ENTRIES = """
SELECT count(DISTINCT ((at AT TIME ZONE 'UTC')::date, provider_code, game_id, currency))
FROM ledger_entries WHERE event IN ('debit', 'credit', 'rollback')
AND (at AT TIME ZONE 'UTC')::date BETWEEN %s AND %s
"""


def played(bench: Bench, days: int = 3) -> date:
    """Play ``days`` days of traffic, export it; return today (UTC, by the app's clock)."""
    play(bench.gpas, bench.admin, bench.clock, random.Random(3), days=days)
    bench.export()
    return today(bench)


def today(bench: Bench) -> date:
    """Return the UTC date of the app's clock."""
    return moment(bench.clock()).date()


def run_verify(bench: Bench, summary_days: int = 2) -> Verdict:
    """Run every check as the command does."""
    with bench.conn() as conn:
        return verify(bench.redis, conn, now_ms=bench.clock(), retention_ms=RETENTION_MS,
                      wait_s=0, summary_days=summary_days)


def verify_command(bench: Bench, *options: str) -> Result:
    """Run `walletsvc ledger verify --wait 0`."""
    return bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0",
                                                    *options])


def first_row(bench: Bench, day: date) -> tuple[Any, ...]:
    """Return the first summary row of ``day`` (key, then counters)."""
    (row,) = bench.sql(_ROW, day)
    return row


def change(bench: Bench, query: str, *params: Any) -> None:
    """Change the ledger by hand, and commit."""
    with bench.conn() as conn:
        assert conn.execute(query, params).rowcount == 1


def test_a_clean_ledger_has_its_recent_summary_verified_clean(bench: Bench) -> None:
    now = played(bench)
    yesterday = now - timedelta(days=1)

    verdict = run_verify(bench)

    assert verdict.clean
    assert (verdict.summary.first_day, verdict.summary.last_day) == (yesterday, now)
    assert verdict.summary.compared == bench.sql(_KEYS_OF_ENTRIES, yesterday, now)[0][0] > 0
    assert (verdict.summary.differing, verdict.summary.listed) == (0, [])


def test_a_changed_summary_row_is_named_with_both_sides_and_the_run_kept_as_failed(
        bench: Bench) -> None:
    now = played(bench)
    day, provider, game, currency, *counters = first_row(bench, now)
    change(bench, "UPDATE ledger_reconciliation_daily SET bet = bet + 1 WHERE day = %s"
           " AND provider_code = %s AND game_id = %s AND currency = %s",
           day, provider, game, currency)

    result = verify_command(bench)

    assert result.exit_code == 1, result.output
    entries = ", ".join(f"{name} {value}" for name, value in zip(COUNTERS, counters,
                                                                 strict=True))
    tampered = entries.replace(f"bet {counters[0]},", f"bet {counters[0] + 1},", 1)
    assert result.output.splitlines()[0] == (
        f"reconciliation summary {day:%Y-%m-%d} {provider} {game} {currency}: "
        f"entries {entries}; summary {tampered}")
    assert result.output.splitlines()[-1].endswith(
        "1 differing from the entries")
    [(ok, findings)] = bench.sql("SELECT ok, findings FROM ledger_verify_runs")
    assert not ok and findings["summaryDifferences"] == 1
    assert findings["differences"] == findings["doubledReferences"] == 0  # only the summary
    metrics = bench.app.test_client().get("/metrics").get_data(as_text=True)
    assert "\nwalletsvc_ledger_verify_failed 1.0\n" in metrics


def test_a_row_missing_from_the_summary_and_a_row_without_entries_are_found(
        bench: Bench) -> None:
    now = played(bench)
    day, provider, game, currency, *counters = first_row(bench, now)
    change(bench, "DELETE FROM ledger_reconciliation_daily WHERE day = %s"
           " AND provider_code = %s AND game_id = %s AND currency = %s",
           day, provider, game, currency)
    change(bench, "INSERT INTO ledger_reconciliation_daily VALUES"
           " (%s, 'ZZZ', 'none', 'BRL', 100, 1, 0, 0, 0, 0, 0)", now)

    verdict = run_verify(bench)

    assert not verdict.clean and verdict.summary.differing == 2
    missing, invented = verdict.summary.listed  # in key order
    assert (missing.day, missing.provider_code, missing.game_id, missing.currency) == (
        day, provider, game, currency)
    assert missing.in_entries == dict(zip(COUNTERS, counters, strict=True))
    assert missing.in_summary is None
    assert (invented.provider_code, invented.in_entries) == ("ZZZ", None)
    assert invented.in_summary == {**dict.fromkeys(COUNTERS, 0), "bet": 100, "count_bet": 1}
    output = verify_command(bench).output
    assert f"{provider} {game} {currency}: entries bet {counters[0]}" in output
    assert "; summary no row\n" in output and "ZZZ none BRL: entries no row; summary" in output


def test_days_before_the_window_are_not_compared(bench: Bench) -> None:
    now = played(bench, days=4)
    earlier = now - timedelta(days=2)
    day, provider, game, currency, *_ = first_row(bench, earlier)
    change(bench, "UPDATE ledger_reconciliation_daily SET count_win = count_win + 5"
           " WHERE day = %s AND provider_code = %s AND game_id = %s AND currency = %s",
           day, provider, game, currency)

    by_default = run_verify(bench)  # yesterday and today
    three_days = verify_command(bench, "--summary-days", "3")

    assert by_default.clean and by_default.summary.first_day == now - timedelta(days=1)
    assert by_default.summary.compared == bench.sql(_KEYS_OF_ENTRIES, now - timedelta(days=1),
                                                    now)[0][0]
    assert three_days.exit_code == 1
    assert f"reconciliation summary {earlier:%Y-%m-%d} {provider} " in three_days.output
    assert f"summary of {earlier:%Y-%m-%d} to {now:%Y-%m-%d}: " in three_days.output


def test_the_differing_rows_are_all_counted_and_the_first_listed(bench: Bench) -> None:
    now = played(bench)
    with bench.conn() as conn:
        changed = conn.execute("UPDATE ledger_reconciliation_daily SET win = win + 1"
                               " WHERE day = %s", (now,)).rowcount
        conn.commit()
        found = check_summary(conn, now, now, limit=2)

    assert changed > 2 and found.differing == found.compared == changed
    assert [row.in_summary["win"] - row.in_entries["win"] for row in found.listed
            if row.in_summary and row.in_entries] == [1, 1]
    lines = verify_command(bench).output.splitlines()
    assert len([line for line in lines if line.startswith("reconciliation summary 2")]) == min(
        changed, 20)
    assert lines[-1].endswith(f"{changed} differing from the entries"
                              + (f" ({changed - 20} not listed)" if changed > 20 else ""))


def test_the_days_of_a_dropped_month_are_not_compared_and_say_so(bench: Bench) -> None:
    now = played(bench, days=1)
    kept = bench.sql("SELECT count(*) FROM ledger_reconciliation_daily")[0][0]
    with bench.conn() as conn:  # as a retention past this month would
        Partitions(conn).drop_expired(now.replace(year=now.year + 6), retention_years=5)

    result = verify_command(bench, "--summary-days", "40")

    assert kept > 0 and bench.sql("SELECT count(*) FROM ledger_entries") == [(0,)]
    assert result.exit_code == 0, result.output
    earlier = now - timedelta(days=39)
    months = sorted({f"{earlier:%Y-%m}", f"{now:%Y-%m}"})
    assert result.output.splitlines()[-1].endswith(
        f"reconciliation summary of {earlier:%Y-%m-%d} to {now:%Y-%m-%d}: 0 rows compared,"
        f" 0 differing from the entries ({', '.join(months)} without a partition: not compared)")


def test_the_window_is_at_most_a_year(bench: Bench) -> None:
    refused = verify_command(bench, "--summary-days", "367")

    assert refused.exit_code == 2 and "1<=x<=366" in refused.output
    assert bench.sql("SELECT count(*) FROM ledger_verify_runs") == [(0,)]
