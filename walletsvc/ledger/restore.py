"""``ledger restore``: rebuild from the ledger the shards of Redis that lost their data.

Which shards: those whose marker (store/fence.py) is missing or says ``restoring``. Each is
marked ``restoring`` first, so nothing moves money on it while it is rebuilt, then filled, and
marked ``ready`` last; shards already ready are left alone. A restore stopped part-way (a
crash, Ctrl-C, Redis or PostgreSQL gone) is resumed by running the same command again: the
shards it finished stay ready, the others are written again, and every write is idempotent.

What comes back: every wallet (player, currency, balances, blocked flag, creation time); for
the changes of the Redis retention period, each movement's record (so its reference answers
1003 again, and an identical repeat still replays), each rollback tombstone, each operator
adjustment's record, the reference directory, the wallets' audit streams and the
reconciliation counters, each with the TTL it would have had; each wallet's player-protection
settings and period counters (ledger/restore_protection.py). Wallets are written after their
shard's records. Sessions do not come back: GPAS gets 1004 on a session it knew and opens a
new one. Restore writes no outbox entry, so nothing it writes reaches the ledger again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from walletsvc.config import Config
from walletsvc.domain.protection.periods import Calendar, Period
from walletsvc.ledger.records import millis, moment
from walletsvc.ledger.restore_protection import SETTINGS_QUERY, USAGE_QUERY, count_usage
from walletsvc.store import WalletStore
from walletsvc.store.fence import READY, RESTORING, new_identity
from walletsvc.store.restoring import Counted, RestoredWallet, ShardWriter

_FETCH = 5000
_RESTORED = ("debit", "credit", "rollback", "tombstone", "deposit", "withdrawal")
_COUNTED = ["credit", "debit", "rollback"]


class RestoreRefused(Exception):
    """A shard without its marker still holds wallets: restoring it would mix two states."""


@dataclass
class RestoreStats:
    """What restore wrote."""

    shards: int = 0
    wallets: int = 0
    records: int = 0
    stream_entries: int = 0
    counters: int = 0


class Restorer:
    """Rebuild the shards that lost their data from the ledger."""

    def __init__(self, store: WalletStore, conn: psycopg.Connection[tuple[Any, ...]],
                 retention_ms: int, now_ms: int, periods: Sequence[Period]) -> None:
        self._store = store
        self._periods = periods
        self._conn = conn
        self._retention = retention_ms
        self._now = now_ms
        self._since = moment(now_ms - retention_ms)
        self.stats = RestoreStats()

    def run(self) -> RestoreStats:
        """Restore every shard not ready; refuse a shard that lost its marker but not its data."""
        fence = self._store.fence()
        targets = sorted(fence.missing + fence.restoring)
        if not targets:
            return self.stats
        self._refuse_live(fence.missing)
        identity = min(fence.identities) if fence.identities else new_identity()
        self._store.mark_shards(targets, RESTORING, identity, self._now)
        rows = (self._entries(targets), self._counters(targets), self._wallets(targets),
                self._settings(targets), self._usage(targets))
        writer = self._store.restore_writer()
        try:
            for shard in targets:
                self._shard(writer, shard, *rows, identity)
        finally:
            writer.close()  # what was queued is written; a failure is raised here
        self.stats.stream_entries = writer.stream_entries
        return self.stats

    def _refuse_live(self, missing: Sequence[str]) -> None:
        """Refuse if a shard without a marker holds a wallet the ledger knows there."""
        live = [shard for shard, held in holding(self._store, self._conn, missing).items()
                if held]
        if live:
            raise RestoreRefused(
                f"shards {', '.join(live[:5])} have no marker but hold wallets: a store from "
                "before the fence, or markers deleted by hand; if its data is whole, mark it "
                "with `walletsvc store init` (docs/runbooks/store-lost-data.md)")

    def _rows(self, name: str, query: str, *params: Any) -> Iterator[tuple[Any, ...]]:
        """Stream a query's rows from a server-side cursor (memory stays bounded)."""
        with self._conn.cursor(name=name) as cur:
            cur.itersize = _FETCH
            cur.execute(query, params)
            yield from cur

    def _entries(self, targets: Sequence[str]) -> _ByShard:
        """Return the targets' entries of the retention period, by shard, oldest first.

        Each with the TTL its records get (milliseconds left of the retention, exact: epoch is
        numeric), and its fields as the ledger keeps them, as text.
        """
        return _ByShard(self._rows(
            "restore_entries", "SELECT shard, entry_ms, entry_seq, event, wallet_id,"
            " parent_system, reference, reverses,"
            " (extract(epoch FROM at) * 1000)::bigint + %s, fields::text FROM ledger_entries"
            " WHERE shard = ANY(%s) AND at > %s AND event = ANY(%s)"
            ' ORDER BY shard COLLATE "C", entry_ms, entry_seq',
            self._retention - self._now, list(targets), self._since, list(_RESTORED)))

    def _counters(self, targets: Sequence[str]) -> _ByShard:
        """Return the targets' reconciliation sums, by shard, per day, game and movement."""
        return _ByShard(self._rows(
            "restore_counters", "SELECT shard, to_char(at, 'YYYY-MM-DD') AS day, provider_code,"
            " game_id, currency, event, reversed_kind, sum(amount)::bigint, count(*),"
            " max(extract(epoch FROM at) * 1000)::bigint FROM ledger_entries"
            " WHERE shard = ANY(%s) AND at > %s AND event = ANY(%s)"
            " GROUP BY shard, day, provider_code, game_id, currency, event, reversed_kind"
            ' ORDER BY shard COLLATE "C"', list(targets), self._since, _COUNTED))

    def _settings(self, targets: Sequence[str]) -> _ByShard:
        """Return the targets' wallets' last protection settings, by shard."""
        return _ByShard(self._rows("restore_settings", SETTINGS_QUERY, list(targets)))

    def _usage(self, targets: Sequence[str]) -> _ByShard:
        """Return the targets' movements since the longest running period began, by shard."""
        earliest = min(period.start_ms for period in self._periods)
        return _ByShard(self._rows("restore_usage", USAGE_QUERY, list(targets),
                                   moment(earliest)))

    def _wallets(self, targets: Sequence[str]) -> _ByShard:
        """Return the targets' wallets, by shard."""
        return _ByShard(self._rows(
            "restore_wallets", "SELECT shard, wallet_id, player_id, currency, created_at,"
            " blocked, real, bonus FROM ledger_wallets WHERE shard = ANY(%s)"
            ' ORDER BY shard COLLATE "C", wallet_id', list(targets)))

    def _shard(self, writer: ShardWriter, shard: str, entries: _ByShard, counted: _ByShard,
               wallets: _ByShard, settings: _ByShard, usage: _ByShard, identity: str) -> None:
        """Queue one shard: its records and streams, its counters, its wallets' protection,
        its wallets, its marker."""
        for _, ms, seq, event, wallet, ps, ref, reverses, ttl, fields in entries.take(shard):
            writer.entry(f"{ms}-{seq}", event, wallet, ps, ref, reverses, fields, ttl)
            self.stats.records += 1
        sums = [Counted(*row[1:]) for row in counted.take(shard)]
        kept = [RestoredWallet(row[1], row[2] or "", row[3] or "",
                               millis(row[4]) if row[4] else 0, bool(row[5]), row[6], row[7])
                for row in wallets.take(shard)]
        ends = max(period.end_ms for period in self._periods)
        writer.protection(
            [(wallet, json.loads(state)) for _, wallet, state in settings.take(shard) if state],
            [(wallet, used.fields()) for wallet, used in
             count_usage(usage.take(shard), self._periods).items()], ends - self._now)
        self.stats.counters += writer.finish_shard(shard, sums, self._retention - self._now,
                                                   kept, READY, identity, self._now)
        self.stats.wallets += len(kept)
        self.stats.shards += 1


def holding(store: WalletStore, conn: psycopg.Connection[tuple[Any, ...]],
            shards: Sequence[str]) -> dict[str, bool]:
    """Tell, for each of ``shards`` where the ledger knows a wallet, whether Redis holds it.

    One wallet per shard is asked (the first by id): a shard's data is lost or kept whole, so
    one wallet tells which.
    """
    rows = conn.execute("SELECT DISTINCT ON (shard) shard, wallet_id FROM ledger_wallets"
                        " WHERE shard = ANY(%s) ORDER BY shard, wallet_id",
                        (list(shards),)).fetchall()
    return {shard: store.wallet(wallet_id) is not None for shard, wallet_id in rows}


class _ByShard:
    """Rows sorted by shard (their first column), handed out one shard at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._held = next(rows, None)

    def take(self, shard: str) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of ``shard``, skipping any of an earlier one; read it to the end."""
        while self._held is not None and self._held[0] <= shard:
            if self._held[0] == shard:
                yield self._held
            self._held = next(self._rows, None)


def restore(store: WalletStore, conn: psycopg.Connection[tuple[Any, ...]], retention_ms: int,
            now_ms: int, calendar: Calendar | None = None) -> RestoreStats:
    """Rebuild the shards that lost their data; raise RestoreRefused if one still holds some.

    ``calendar`` gives the protection periods running now (default: the default zone's).
    """
    periods = (calendar or Calendar(Config.protection_time_zone)).running(now_ms)
    return Restorer(store, conn, retention_ms, now_ms, periods).run()
