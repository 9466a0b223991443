"""Reports from the ledger: a player's statement, end-of-day liabilities, reconciliation.

All three read PostgreSQL only, for any dates the ledger keeps; the statement streams its
lines (``walletsvc.ledger.statement``). The reconciliation counters have the shape the Redis
store gives (``WalletStore.reconciliation_counters``), so one ``Reconciliation`` shapes both
into the rows GPAS receives, and the two reports are equal wherever both hold the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from walletsvc.errors import InvalidRequest
from walletsvc.ledger.records import day_start
from walletsvc.ledger.statement import Statement, read_statement

MAX_STATEMENT_DAYS = 366
MAX_LIABILITY_DAYS = 366


@dataclass(frozen=True)
class Liability:
    """Sum of every player's balances in one currency at the end of one UTC day."""

    date: date
    currency: str
    real: int
    bonus: int
    movements: int


def _days(date_from: date, date_to: date, most: int) -> tuple[datetime, datetime]:
    if date_to < date_from:
        raise InvalidRequest("date_to is before date_from")
    if (date_to - date_from).days >= most:
        raise InvalidRequest(f"at most {most} days per call")
    return day_start(date_from), day_start(date_to + timedelta(days=1))


class LedgerReports:
    """Read the ledger for reports (one connection, read only)."""

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        self._conn = conn

    def statement(self, wallet_id: str, date_from: date, date_to: date) -> Statement:
        """Return the wallet's money movements from ``date_from`` to ``date_to`` inclusive."""
        bounds = _days(date_from, date_to, MAX_STATEMENT_DAYS)
        return read_statement(self._conn, wallet_id, (date_from, date_to), bounds)

    def liabilities(self, date_from: date, date_to: date) -> list[Liability]:
        """Return, per UTC day and currency, the sum of all balances at the end of the day."""
        _, end = _days(date_from, date_to, MAX_LIABILITY_DAYS)
        rows = self._conn.execute(
            "SELECT day, currency, real_delta, bonus_delta, movements FROM ledger_daily"
            " WHERE day < %s ORDER BY day", (end.date(),)).fetchall()
        totals: dict[str, list[int]] = {}
        moved: dict[tuple[date, str], int] = {}
        found: list[Liability] = []
        pending = iter(rows)
        row = next(pending, None)
        day = min(date_from, row[0]) if row else date_from
        while day <= date_to:
            while row is not None and row[0] == day:
                total = totals.setdefault(row[1], [0, 0])
                total[0], total[1] = total[0] + row[2], total[1] + row[3]
                moved[(day, row[1])] = row[4]
                row = next(pending, None)
            if day >= date_from:
                found += [Liability(day, currency, real, bonus, moved.get((day, currency), 0))
                          for currency, (real, bonus) in sorted(totals.items())]
            day += timedelta(days=1)
        return found

    def reconciliation_counters(self, days: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
        """Sum the movements of ``days``: (day, provider, game, currency) -> counters."""
        first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
        rows = self._conn.execute(
            "SELECT to_char(at, 'YYYY-MM-DD'), provider_code, game_id, currency,"
            " sum(amount) FILTER (WHERE event = 'debit'),"
            " count(*) FILTER (WHERE event = 'debit'),"
            " sum(amount) FILTER (WHERE event = 'credit'),"
            " count(*) FILTER (WHERE event = 'credit'),"
            " sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'debit'),"
            " sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'credit'),"
            " count(*) FILTER (WHERE event = 'rollback')"
            " FROM ledger_entries WHERE at >= %s AND at < %s"
            " AND event IN ('debit', 'credit', 'rollback') GROUP BY 1, 2, 3, 4",
            (day_start(first), day_start(last + timedelta(days=1)))).fetchall()
        names = ("bet", "count_bet", "win", "count_win", "bet_rollback", "win_rollback",
                 "count_rollback")
        return {tuple(row[:4]): {name: int(value) for name, value in zip(names, row[4:],
                                                                           strict=True)
                                 if value}
                for row in rows if row[0] in days}
