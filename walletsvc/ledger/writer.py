"""Write a batch of outbox entries to the ledger, idempotently, in one transaction.

The rows are copied into a temporary table and inserted from it in key order with ``ON
CONFLICT DO NOTHING``; the wallets' balances, the daily totals and the reconciliation totals
are then moved by exactly the rows that were inserted (``RETURNING``), so an entry written twice
counts once. Every transaction takes its row locks in the same order (entries, then wallets,
then days, then reconciliation rows, each sorted), so two exporters never deadlock each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg import sql

from walletsvc.ledger.database import Partitions, month_of
from walletsvc.ledger.records import COLUMNS, MONEY_EVENTS, row_of
from walletsvc.store.outbox import OutboxEntry

_NAMES = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
_INCOMING = sql.SQL("CREATE TEMP TABLE IF NOT EXISTS ledger_incoming ON COMMIT DELETE ROWS"
                    " AS SELECT {} FROM ledger_entries WITH NO DATA").format(_NAMES)
_COPY = sql.SQL("COPY ledger_incoming ({}) FROM STDIN").format(_NAMES)
_INSERT = sql.SQL(
    "INSERT INTO ledger_entries ({names}) SELECT {names} FROM ledger_incoming"
    " ORDER BY at, shard, entry_ms, entry_seq ON CONFLICT DO NOTHING"
    " RETURNING wallet_id, shard, event, currency, real_delta, bonus_delta, at, player_id,"
    " entry_ms, entry_seq, provider_code, game_id, amount, reversed_kind").format(names=_NAMES)
_WALLET = """
INSERT INTO ledger_wallets AS w (wallet_id, shard, player_id, currency, created_at, blocked,
    blocked_ms, blocked_seq, real, bonus, entries)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (wallet_id) DO UPDATE SET
    player_id = coalesce(EXCLUDED.player_id, w.player_id),
    currency = coalesce(w.currency, EXCLUDED.currency),
    created_at = coalesce(EXCLUDED.created_at, w.created_at),
    blocked = CASE WHEN (EXCLUDED.blocked_ms, EXCLUDED.blocked_seq)
                        > (w.blocked_ms, w.blocked_seq)
                   THEN EXCLUDED.blocked ELSE w.blocked END,
    blocked_seq = CASE WHEN (EXCLUDED.blocked_ms, EXCLUDED.blocked_seq)
                            > (w.blocked_ms, w.blocked_seq)
                       THEN EXCLUDED.blocked_seq ELSE w.blocked_seq END,
    blocked_ms = greatest(EXCLUDED.blocked_ms, w.blocked_ms),
    real = w.real + EXCLUDED.real,
    bonus = w.bonus + EXCLUDED.bonus,
    entries = w.entries + EXCLUDED.entries,
    updated_at = now()
"""
_DAILY = """
INSERT INTO ledger_daily AS d (day, currency, real_delta, bonus_delta, movements)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (day, currency) DO UPDATE SET
    real_delta = d.real_delta + EXCLUDED.real_delta,
    bonus_delta = d.bonus_delta + EXCLUDED.bonus_delta,
    movements = d.movements + EXCLUDED.movements
"""
_RECONCILIATION = """
INSERT INTO ledger_reconciliation_daily AS r (day, provider_code, game_id, currency, bet,
    count_bet, win, count_win, bet_rollback, win_rollback, count_rollback)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (day, provider_code, game_id, currency) DO UPDATE SET
    bet = r.bet + EXCLUDED.bet,
    count_bet = r.count_bet + EXCLUDED.count_bet,
    win = r.win + EXCLUDED.win,
    count_win = r.count_win + EXCLUDED.count_win,
    bet_rollback = r.bet_rollback + EXCLUDED.bet_rollback,
    win_rollback = r.win_rollback + EXCLUDED.win_rollback,
    count_rollback = r.count_rollback + EXCLUDED.count_rollback
"""
# A movement's place in its reconciliation row (the table's counters, in order): bets and wins
# add their amount and count; a rollback counts, and adds its amount as a bet's or a win's
# rollback by what it reversed.
_BET, _COUNT_BET, _WIN, _COUNT_WIN, _BET_ROLLBACK, _WIN_ROLLBACK, _COUNT_ROLLBACK = range(7)
_COUNTED = {"debit": (_BET, _COUNT_BET), "credit": (_WIN, _COUNT_WIN),
            "rollback": (None, _COUNT_ROLLBACK)}
_ROLLED_BACK = {"debit": _BET_ROLLBACK, "credit": _WIN_ROLLBACK}


@dataclass
class _WalletChange:
    shard: str
    player_id: str | None = None
    currency: str | None = None
    created_at: datetime | None = None
    blocked: bool = False
    blocked_at: tuple[int, int] = (-1, -1)
    real: int = 0
    bonus: int = 0
    entries: int = 0

    def params(self, wallet_id: str) -> tuple[Any, ...]:
        return (wallet_id, self.shard, self.player_id, self.currency, self.created_at,
                self.blocked, *self.blocked_at, self.real, self.bonus, self.entries)


@dataclass
class _Totals:
    wallets: dict[str, _WalletChange] = field(default_factory=dict)
    days: dict[tuple[date, str], list[int]] = field(default_factory=lambda: defaultdict(
        lambda: [0, 0, 0]))
    games: dict[tuple[date, str, str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0] * 7))

    def add(self, inserted: Sequence[Any]) -> None:
        wallet_id, shard, event, currency, real, bonus, at, player, ms, seq = inserted[:10]
        change = self.wallets.setdefault(wallet_id, _WalletChange(shard))
        change.entries += 1
        change.currency = change.currency or currency
        if event == "created":
            change.player_id, change.created_at = player, at
        elif event in ("blocked", "unblocked") and (ms, seq) > change.blocked_at:
            change.blocked, change.blocked_at = event == "blocked", (ms, seq)
        elif event in MONEY_EVENTS:
            change.real += real
            change.bonus += bonus
            day = self.days[(at.date(), currency)]
            day[0], day[1], day[2] = day[0] + real, day[1] + bonus, day[2] + 1
            if event in _COUNTED:
                self.count(event, at, currency, *inserted[10:])

    def count(self, event: str, at: datetime, currency: str | None, provider: str | None,
              game: str | None, amount: int | None, reversed_kind: str | None) -> None:
        """Count a bet, win or rollback in its reconciliation row, as the migration's
        ``ledger_reconciliation_of`` sums it (a missing provider, game or currency is '')."""
        row = self.games[(at.astimezone(UTC).date(), provider or "", game or "",
                          currency or "")]
        total, counted = _COUNTED[event]
        if event == "rollback":
            total = _ROLLED_BACK.get(reversed_kind or "")
        row[counted] += 1
        if total is not None:
            row[total] += amount or 0


class LedgerWriter:
    """Insert outbox entries into the ledger exactly once each."""

    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._conn = conn
        self._partitions = Partitions(conn)
        conn.execute(_INCOMING)
        conn.commit()

    def write(self, entries: Iterable[OutboxEntry]) -> int:
        """Insert the entries not in the ledger yet, in one transaction; return how many."""
        rows = sorted(row_of(entry) for entry in entries)
        if not rows:
            return 0
        self._partitions.ensure({month_of(row.at) for row in rows})
        totals = _Totals()
        with self._conn.transaction(), self._conn.cursor() as cur:
            with cur.copy(_COPY) as copy:
                for row in rows:
                    copy.write_row(row.as_tuple())
            for inserted in cur.execute(_INSERT).fetchall():
                totals.add(inserted)
            cur.executemany(_WALLET, [totals.wallets[w].params(w)
                                      for w in sorted(totals.wallets)])
            cur.executemany(_DAILY, [(day, currency, *sums)
                                     for (day, currency), sums in sorted(totals.days.items())])
            cur.executemany(_RECONCILIATION, [(*key, *counters) for key, counters
                                              in sorted(totals.games.items())])
        return sum(change.entries for change in totals.wallets.values())
