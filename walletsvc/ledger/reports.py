"""Reports from the ledger: a player's statement, end-of-day liabilities, reconciliation.

All three read PostgreSQL only, for any dates the ledger keeps; the statement streams its
lines (``walletsvc.ledger.statement``). The reconciliation counters have the shape the Redis
store gives (``WalletStore.reconciliation_counters``), so one ``Reconciliation`` shapes both
into the rows GPAS receives, and the two reports are equal wherever both hold the day; they
come from a summary per day the exporter keeps (migration 0006), not from the entries. Under a
row of the report lie its movements (``game_movements``), a page at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import psycopg

from walletsvc.errors import InvalidRequest
from walletsvc.ledger.records import day_start, millis, moment
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


@dataclass(frozen=True)
class GameMovement:
    """A bet, win or rollback counted in one reconciliation row, with its place in the ledger."""

    at: datetime
    key: str  # where the next page starts (``GameMovements.after``)
    event: str
    wallet_id: str
    session_id: str | None
    reference: str | None
    reverses: str | None
    amount: int


@dataclass(frozen=True)
class GameDay:
    """One reconciliation row's key: a UTC day, a provider, a game and a currency."""

    day: date
    provider_code: str
    game_id: str
    currency: str


# The reconciliation counters as the Redis store names them (the summary's columns).
_COUNTERS = ("bet", "count_bet", "win", "count_win", "bet_rollback", "win_rollback",
             "count_rollback")

# The primary key's order (at, shard, entry_ms, entry_seq): each page continues on the key's
# index (every month partition has it) from the last row shown, whatever the day's size.
_GAME_MOVEMENTS = (
    "SELECT at, shard, entry_ms, entry_seq, event, wallet_id, session_id, reference, reverses,"
    " amount FROM ledger_entries WHERE at >= %s AND at < %s"
    " AND (at, shard, entry_ms, entry_seq) > (%s, %s, %s, %s)"
    " AND provider_code = %s AND game_id = %s AND currency = %s"
    " AND event IN ('debit', 'credit', 'rollback')"
    " ORDER BY at, shard, entry_ms, entry_seq LIMIT %s")


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

    def game_movements(self, row: GameDay, after: str | None, count: int
                       ) -> list[GameMovement]:
        """Return up to ``count`` movements of ``row``, in the ledger's order, after the key
        ``after`` (a movement's ``key``; None: from the day's start)."""
        start = day_start(row.day)
        last = _key(after) if after else (start, "", -1, -1)
        found = self._conn.execute(_GAME_MOVEMENTS, (
            start, start + timedelta(days=1), *last, row.provider_code, row.game_id,
            row.currency, count)).fetchall()
        return [GameMovement(at, f"{millis(at)}.{shard}.{ms}.{seq}", event, wallet_id,
                             session_id, reference, reverses, int(amount or 0))
                for at, shard, ms, seq, event, wallet_id, session_id, reference, reverses,
                amount in found]

    def reconciliation_counters(self, days: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
        """Read the totals of ``days``: (day, provider, game, currency) -> counters, a counter
        at zero left out, from the summary the exporter keeps (``ledger_reconciliation_daily``).
        """
        rows = self._conn.execute(
            "SELECT to_char(day, 'YYYY-MM-DD'), provider_code, game_id, currency, bet, count_bet,"
            " win, count_win, bet_rollback, win_rollback, count_rollback"
            " FROM ledger_reconciliation_daily WHERE day BETWEEN %s AND %s",
            (min(days), max(days))).fetchall()
        return {tuple(row[:4]): {name: int(value) for name, value in zip(_COUNTERS, row[4:],
                                                                           strict=True)
                                 if value}
                for row in rows if row[0] in days}


def _key(written: str) -> tuple[datetime, str, int, int]:
    """Read a movement's key (``<at ms>.<shard>.<entry ms>.<entry seq>``)."""
    parts = written.split(".")
    try:
        if len(parts) == 4 and all(part.isdigit() for part in (parts[0], parts[2], parts[3])):
            return moment(int(parts[0])), parts[1], int(parts[2]), int(parts[3])
    except OverflowError:  # a time past the year 9999
        pass
    raise InvalidRequest("after must be a movement's key")
