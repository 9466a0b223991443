"""The reconciliation summary equals the sums of the entries: kept by the exporter (an entry
written twice counted once), filled by its migration, rebuilt after a bulk fill (by
``walletsvc ledger rebuild-summary`` too, which refuses a dropped month)."""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

import pytest
from click.testing import Result

from devkit.statements import seed_statement
from tests.support.ledger import Bench
from tests.support.traffic import play
from walletsvc.ledger.database import Partitions, migrate
from walletsvc.ledger.reports import LedgerReports
from walletsvc.ledger.summary import check_summary, rebuild_reconciliation_daily
from walletsvc.ledger.writer import LedgerWriter
from walletsvc.store.outbox import Outbox

# Summed here from the entries, independently of the ledger's own function and writer.
_FROM_ENTRIES = """
SELECT (at AT TIME ZONE 'UTC')::date, coalesce(provider_code, ''), coalesce(game_id, ''),
    coalesce(currency, ''),
    coalesce(sum(amount) FILTER (WHERE event = 'debit'), 0),
    count(*) FILTER (WHERE event = 'debit'),
    coalesce(sum(amount) FILTER (WHERE event = 'credit'), 0),
    count(*) FILTER (WHERE event = 'credit'),
    coalesce(sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'debit'), 0),
    coalesce(sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'credit'), 0),
    count(*) FILTER (WHERE event = 'rollback')
FROM ledger_entries WHERE event IN ('debit', 'credit', 'rollback')
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""
_SUMMARY = ("SELECT day, provider_code, game_id, currency, bet, count_bet, win, count_win,"
            " bet_rollback, win_rollback, count_rollback FROM ledger_reconciliation_daily"
            " ORDER BY 1, 2, 3, 4")


def from_entries(bench: Bench) -> list[tuple[Any, ...]]:
    return [tuple(int(v) if i >= 4 else v for i, v in enumerate(row))
            for row in bench.sql(_FROM_ENTRIES)]


def test_the_exporter_keeps_the_summary_equal_to_its_entries_counting_a_rewrite_once(
        bench: Bench) -> None:
    play(bench.gpas, bench.admin, bench.clock, random.Random(11), days=2)
    outbox = Outbox(bench.redis)
    outbox.ensure_groups()
    delivered = outbox.read("crashed-after-commit", 20)
    with bench.conn() as conn:
        assert LedgerWriter(conn).write(delivered) == len(delivered)  # committed, never acked
        assert LedgerWriter(conn).write(delivered) == 0

    stats = bench.export(claim_idle_ms=0)

    assert stats.read > stats.inserted  # the delivered entries came again, and counted once
    expected = from_entries(bench)
    assert bench.sql(_SUMMARY) == expected
    days, currencies = {row[0] for row in expected}, {row[3] for row in expected}
    assert len(days) >= 2 and currencies == {"BRL", "CLP"}
    assert {row[1] for row in expected} == {"AGT", "PGS", "EVO"}
    assert all(any(row[n] for row in expected) for n in range(4, 11))  # every counter moved


def test_the_migration_fills_the_summary_from_the_entries_already_there(bench: Bench) -> None:
    play(bench.gpas, bench.admin, bench.clock, random.Random(5), days=2)
    bench.export()
    expected = from_entries(bench)
    assert len(expected) > 4
    with bench.conn() as conn:  # the ledger as it was before migration 0006
        conn.execute("DROP TABLE ledger_reconciliation_daily")
        conn.execute("DROP FUNCTION ledger_reconciliation_of")
        conn.execute("DELETE FROM ledger_schema_version WHERE version = 6")
        conn.commit()
        assert migrate(conn) == [6]
    assert bench.sql(_SUMMARY) == expected


def test_a_bulk_fill_rebuilt_is_reported_as_the_exporter_would_report_it(bench: Bench) -> None:
    seed_statement(bench.url, "busy", 1_000, date(2025, 1, 1), 10)
    with bench.conn() as conn:
        assert LedgerReports(conn).reconciliation_counters(["2025-01-02"]) == {}
        assert rebuild_reconciliation_daily(conn, date(2025, 1, 1), date(2025, 1, 31)).after == 10
        counters = LedgerReports(conn).reconciliation_counters(["2025-01-02"])
    assert counters == {("2025-01-02", "AGT", "agt-13", "BRL"): {
        "bet": 5_000, "count_bet": 50, "win": 10_000, "count_win": 50}}
    assert bench.sql(_SUMMARY) == from_entries(bench)


def test_a_rebuild_refuses_the_months_whose_entries_were_dropped(bench: Bench) -> None:
    seed_statement(bench.url, "busy", 100, date(2025, 1, 1), 10)
    with bench.conn() as conn:
        rebuild_reconciliation_daily(conn, date(2025, 1, 1), date(2025, 1, 31))
        Partitions(conn).drop_expired(date(2030, 3, 1), retention_years=5)
        with pytest.raises(ValueError, match="no longer keeps 2025-01"):
            rebuild_reconciliation_daily(conn, date(2025, 1, 1), date(2025, 1, 31))
        counters = LedgerReports(conn).reconciliation_counters(["2025-01-01"])
    assert bench.sql("SELECT count(*) FROM ledger_entries") == [(0,)]
    assert counters[("2025-01-01", "AGT", "agt-13", "BRL")]["count_bet"] == 5


def rebuild_command(bench: Bench, first: str, last: str) -> Result:
    """Run `walletsvc ledger rebuild-summary --from first --to last`."""
    return bench.app.test_cli_runner().invoke(args=["ledger", "rebuild-summary", "--from",
                                                    first, "--to", last])


def test_the_command_rebuilds_days_written_around_the_exporter_and_says_what_it_did(
        bench: Bench) -> None:
    seed_statement(bench.url, "busy", 1_000, date(2025, 1, 1), 10)  # entries only, by SQL
    with bench.conn() as conn:
        before = check_summary(conn, date(2025, 1, 1), date(2025, 1, 31))
    assert (before.compared, before.differing) == (10, 10)

    result = rebuild_command(bench, "2025-01-01", "2025-01-31")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"from": "2025-01-01", "to": "2025-01-31", "days": 31,
                                         "rowsBefore": 0, "rowsAfter": 10}
    assert bench.sql(_SUMMARY) == from_entries(bench)
    with bench.conn() as conn:
        assert check_summary(conn, date(2025, 1, 1), date(2025, 1, 31)).differing == 0


def test_the_command_replaces_only_the_days_it_is_given(bench: Bench) -> None:
    seed_statement(bench.url, "busy", 100, date(2025, 1, 1), 10)
    assert rebuild_command(bench, "2025-01-01", "2025-01-10").exit_code == 0
    with bench.conn() as conn:
        conn.execute("UPDATE ledger_reconciliation_daily SET bet = 0")
        conn.commit()

    result = rebuild_command(bench, "2025-01-03", "2025-01-03")

    assert json.loads(result.output) == {"from": "2025-01-03", "to": "2025-01-03", "days": 1,
                                         "rowsBefore": 1, "rowsAfter": 1}
    bets = dict(bench.sql("SELECT day, bet FROM ledger_reconciliation_daily"))
    assert bets[date(2025, 1, 3)] == 500 and bets[date(2025, 1, 2)] == bets[date(2025, 1, 4)] == 0


def test_the_command_refuses_a_dropped_month_and_changes_nothing(bench: Bench) -> None:
    seed_statement(bench.url, "busy", 100, date(2025, 1, 1), 10)
    assert rebuild_command(bench, "2025-01-01", "2025-01-31").exit_code == 0
    with bench.conn() as conn:
        Partitions(conn).drop_expired(date(2030, 3, 1), retention_years=5)
    kept = bench.sql(_SUMMARY)

    refused = rebuild_command(bench, "2025-01-02", "2025-01-05")
    backwards = rebuild_command(bench, "2025-01-02", "2025-01-01")

    assert refused.exit_code == 1
    assert refused.output == ("Error: nothing rebuilt: the ledger no longer keeps 2025-01:"
                              " its summary stays\n")
    assert backwards.exit_code == 2 and "--from must not be after --to" in backwards.output
    assert bench.sql(_SUMMARY) == kept and len(kept) == 10
