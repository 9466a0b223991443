"""The reconciliation summary (``ledger_reconciliation_daily``, migration 0006) against the sums
of the entries: checked by ``ledger verify``, rebuilt for days whose entries were written around
the exporter.

The exporter keeps the summary itself (``writer``). An exporter of an earlier version, or what
writes ``ledger_entries`` by SQL directly (a benchmark's or a demo's bulk fill), leaves it
short: ``check_summary`` finds such days, and ``rebuild_reconciliation_daily`` makes the report
read what it would read had the entries come through the exporter. The sums are
``ledger_reconciliation_of``, the function the migration filled the table with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg

from walletsvc.ledger.database import Partitions, months_between

COUNTERS = ("bet", "count_bet", "win", "count_win", "bet_rollback", "win_rollback",
            "count_rollback")
# One statement, so one snapshot: the exporter moves entries and summary in one transaction,
# and both sides are read as of the same commit, whatever is being exported meanwhile. A side
# without the row is NULL; the totals come with the first differing rows, or alone. Days of a
# month whose partition was dropped are left out: their summary is all that is left of them.
_COMPARE = """
WITH compared AS (
    SELECT day, provider_code, game_id, currency,
        CASE WHEN e.day IS NOT NULL THEN ARRAY[e.bet, e.count_bet, e.win, e.count_win,
            e.bet_rollback, e.win_rollback, e.count_rollback] END AS in_entries,
        CASE WHEN s.day IS NOT NULL THEN ARRAY[s.bet, s.count_bet, s.win, s.count_win,
            s.bet_rollback, s.win_rollback, s.count_rollback] END AS in_summary
    FROM ledger_reconciliation_of(%(first)s, %(last)s) e
    FULL OUTER JOIN (SELECT * FROM ledger_reconciliation_daily
                     WHERE day BETWEEN %(first)s AND %(last)s
                     AND date_trunc('month', day)::date = ANY(%(kept)s)) s
    USING (day, provider_code, game_id, currency)),
totals AS (
    SELECT count(*) AS compared,
        count(*) FILTER (WHERE in_entries IS DISTINCT FROM in_summary) AS differing
    FROM compared)
SELECT t.compared, t.differing, d.* FROM totals t LEFT JOIN LATERAL (
    SELECT * FROM compared WHERE in_entries IS DISTINCT FROM in_summary
    ORDER BY day, provider_code, game_id, currency LIMIT %(limit)s) d ON true
"""


@dataclass(frozen=True)
class SummaryDifference:
    """A summary row that differs from the sums of its entries; a side without it is None."""

    day: date
    provider_code: str
    game_id: str
    currency: str
    in_entries: dict[str, int] | None
    in_summary: dict[str, int] | None


@dataclass(frozen=True)
class SummaryCheck:
    """The UTC days checked, the rows compared, how many differ, and the first of them; and
    the months of those days the ledger no longer keeps, which are not compared."""

    first_day: date
    last_day: date
    compared: int = 0
    differing: int = 0
    listed: list[SummaryDifference] = field(default_factory=list)
    not_kept: list[date] = field(default_factory=list)


def check_summary(conn: psycopg.Connection[Any], first_day: date, last_day: date,
                  limit: int = 20) -> SummaryCheck:
    """Compare the summary of the UTC days ``first_day`` to ``last_day`` inclusive with the
    sums of their entries; count the rows that differ, list the first ``limit``."""
    conn.rollback()
    # Already one snapshot as a single statement; REPEATABLE READ says so whatever the
    # function's volatility, and READ ONLY that verify changes nothing here.
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    months, existing = months_between(first_day, last_day), set(Partitions(conn).existing())
    kept = [month for month in months if month in existing]
    rows = conn.execute(_COMPARE, {"first": first_day, "last": last_day, "kept": kept,
                                   "limit": limit}).fetchall()
    conn.rollback()
    compared, differing = rows[0][:2]
    listed = [SummaryDifference(day, provider, game, currency, _named(entries),
                                _named(summary))
              for _, _, day, provider, game, currency, entries, summary in rows
              if day is not None]
    return SummaryCheck(first_day, last_day, compared, differing, listed,
                        [month for month in months if month not in kept])


def _named(counters: list[int] | None) -> dict[str, int] | None:
    return None if counters is None else dict(zip(COUNTERS, counters, strict=True))


@dataclass(frozen=True)
class Rebuilt:
    """The summary rows of the days rebuilt: before (removed), and after (written)."""

    before: int
    after: int


def rebuild_reconciliation_daily(conn: psycopg.Connection[Any], first_day: date,
                                 last_day: date) -> Rebuilt:
    """Replace the summary of the UTC days ``first_day`` to ``last_day`` inclusive by the sums
    of their entries, in one transaction; return the rows removed and written.

    Refuses days of a month the ledger no longer keeps: their entries are gone, their summary
    is all that is left of them.
    """
    with conn.transaction():
        _refuse_dropped_months(conn, first_day, last_day)
        # Exporters wait to add to the summary until this commits: one that inserted entries
        # this statement cannot see adds them after, so every entry counts exactly once.
        conn.execute("LOCK TABLE ledger_reconciliation_daily IN SHARE ROW EXCLUSIVE MODE")
        removed = conn.execute("DELETE FROM ledger_reconciliation_daily"
                               " WHERE day BETWEEN %s AND %s", (first_day, last_day))
        written = conn.execute("INSERT INTO ledger_reconciliation_daily"
                               " SELECT * FROM ledger_reconciliation_of(%s, %s)",
                               (first_day, last_day))
    return Rebuilt(removed.rowcount, written.rowcount)


def _refuse_dropped_months(conn: psycopg.Connection[Any], first_day: date, last_day: date
                           ) -> None:
    kept = set(Partitions(conn).existing())
    for month in months_between(first_day, last_day):
        if month not in kept:
            raise ValueError(f"the ledger no longer keeps {month:%Y-%m}: its summary stays")
