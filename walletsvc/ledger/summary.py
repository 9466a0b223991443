"""The reconciliation summary (``ledger_reconciliation_daily``, migration 0006) summed again from
the entries, for days whose entries were written around the exporter.

The exporter keeps the summary itself (``writer``). What writes ``ledger_entries`` by SQL
directly (a benchmark's or a demo's bulk fill) calls ``rebuild_reconciliation_daily`` after, so
that the report reads what it would read had the entries come through the exporter. The sums
are ``ledger_reconciliation_of``, the function the migration filled the table with.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from walletsvc.ledger.database import Partitions, month_of, next_month


def rebuild_reconciliation_daily(conn: psycopg.Connection[Any], first_day: date,
                                 last_day: date) -> int:
    """Replace the summary of the UTC days ``first_day`` to ``last_day`` inclusive by the sums
    of their entries, in one transaction; return the rows written.

    Refuses days of a month the ledger no longer keeps: their entries are gone, their summary
    is all that is left of them.
    """
    with conn.transaction():
        _refuse_dropped_months(conn, first_day, last_day)
        # Exporters wait to add to the summary until this commits: one that inserted entries
        # this statement cannot see adds them after, so every entry counts exactly once.
        conn.execute("LOCK TABLE ledger_reconciliation_daily IN SHARE ROW EXCLUSIVE MODE")
        conn.execute("DELETE FROM ledger_reconciliation_daily WHERE day BETWEEN %s AND %s",
                     (first_day, last_day))
        written = conn.execute("INSERT INTO ledger_reconciliation_daily"
                               " SELECT * FROM ledger_reconciliation_of(%s, %s)",
                               (first_day, last_day))
    return written.rowcount


def _refuse_dropped_months(conn: psycopg.Connection[Any], first_day: date, last_day: date
                           ) -> None:
    kept, month = set(Partitions(conn).existing()), month_of(first_day)
    while month <= last_day:
        if month not in kept:
            raise ValueError(f"the ledger no longer keeps {month:%Y-%m}: its summary stays")
        month = next_month(month)
