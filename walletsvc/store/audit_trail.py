"""AuditTrail: what the scripts recorded, read for operators, reports and metrics."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

from walletsvc.models import AuditEntry, Page
from walletsvc.store import keys
from walletsvc.store.client import RedisClient


def _text_map(raw: Any) -> dict[str, str]:
    """Type a hash reply: the client decodes every reply to text."""
    return cast(dict[str, str], raw)


def _entries(rows: Any) -> list[AuditEntry]:
    """Type a stream range reply as audit entries."""
    return [AuditEntry(entry_id, fields) for entry_id, fields in cast(list[Any], rows)]


class AuditTrail:
    """Session records and stories, wallet movements, live-session counts, counters, retention."""

    def __init__(self, redis: RedisClient) -> None:
        self.redis = redis

    def open_sessions(self, now_ms: int) -> int:
        """Count the sessions that are live now, across every shard (one pipelined batch)."""
        pipe = self.redis.pipeline(transaction=False)
        for shard in keys.SHARDS:
            pipe.zcount(keys.live_sessions(shard), f"({now_ms}", "+inf")
        return sum(int(count) for count in pipe.execute())

    def session_record(self, session_id: str) -> dict[str, str]:
        """Return the stored session record (empty if unknown or past retention)."""
        return _text_map(self.redis.hgetall(keys.session(session_id)))

    def session_is_live(self, session_id: str) -> bool:
        """Tell whether the session's live key still exists."""
        return bool(self.redis.exists(keys.live_session(session_id)))

    def session_entries(self, session_id: str) -> list[AuditEntry]:
        """Return the session's audit entries, oldest first."""
        return _entries(self.redis.xrange(keys.session_stream(session_id)))

    def rollbacks_of(self, wallet_id: str, parent_system: str, references: list[str]
                     ) -> dict[str, str]:
        """Return which of these movements were rolled back, and by which reference."""
        pipe = self.redis.pipeline(transaction=False)
        for reference in references:
            pipe.hget(keys.movement(wallet_id, parent_system, reference), "rolled_back")
        found = zip(references, cast(list[str | None], pipe.execute()), strict=True)
        return {reference: by for reference, by in found if by}

    def recorded_movements(self, references: Sequence[tuple[str, str | None, str]]
                           ) -> list[tuple[str | None, str | None]]:
        """Return (kind, movement id) of the record of each (wallet, parent system, reference).

        A parent system of None names an operator adjustment, whose record has no kind. A
        reference Redis holds no record of gives (None, None); a rollback tombstone, which
        blocks a reference without applying it, gives ("tombstone", None).
        """
        pipe = self.redis.pipeline(transaction=False)
        for wallet_id, parent_system, reference in references:
            if parent_system is None:
                pipe.hmget(keys.adjustment(wallet_id, reference), "kind", "mid")
            else:
                pipe.hmget(keys.movement(wallet_id, parent_system, reference), "kind", "mid")
        return [(kind, mid) for kind, mid in cast(list[list[str | None]], pipe.execute())]

    def wallet_sessions(self, wallet_id: str, limit: int) -> list[str]:
        """Return the wallet's session ids, newest first."""
        return cast(list[str], self.redis.zrevrange(keys.wallet_sessions(wallet_id), 0, limit - 1))

    def wallet_entries(self, wallet_id: str, cursor: str | None, limit: int) -> Page:
        """Return a page of the wallet's audit entries, newest first, before ``cursor``."""
        newest = f"({cursor}" if cursor else "+"
        rows = _entries(
            self.redis.xrevrange(keys.wallet_stream(wallet_id), newest, "-", count=limit + 1))
        entries = rows[:limit]
        next_cursor = entries[-1].entry_id if len(rows) > limit else None
        return Page(entries, next_cursor)

    # Every wallet ------------------------------------------------------------------------

    def wallet_ids(self) -> Iterator[str]:
        """Yield the id of every wallet in Redis (a SCAN: under traffic, each at least once)."""
        for key in self.redis.scan_iter(match=keys.all_wallets(), count=1000):
            yield keys.wallet_id(key)

    def wallet_states(self, wallet_ids: Iterable[str] | None = None
                      ) -> dict[str, tuple[int, int, bool, str]]:
        """Return (real, bonus, blocked, currency) of every wallet in Redis (or of these)."""
        found: dict[str, tuple[int, int, bool, str]] = {}
        for chunk in _chunks(self.wallet_ids() if wallet_ids is None else iter(wallet_ids)):
            pipe = self.redis.pipeline(transaction=False)
            for wallet_id in chunk:
                pipe.hmget(keys.wallet(wallet_id), "real", "bonus", "blocked", "currency")
            for wallet_id, (real, bonus, blocked, currency) in zip(chunk, pipe.execute(),
                                                                    strict=True):
                if currency is not None:  # every wallet has one: None is no wallet
                    found[wallet_id] = (int(real), int(bonus), blocked == "1", currency)
        return found

    # Retention ---------------------------------------------------------------------------

    def trim_audit(self, older_than_ms: int, session_max_ms: int) -> tuple[int, int]:
        """Trim every wallet's stream to entries newer than ``older_than_ms``, and its session
        index to sessions whose records may still exist (opened up to a session's life earlier).

        Movement records, session records and streams, reference claims and counters expire
        by their own TTLs (the retention period from their last write); a wallet's stream is
        trimmed on each write too, so this sweep matters for wallets that went quiet. Returns
        (wallets swept, stream entries removed).
        """
        wallets = removed = 0
        for wallet_id in self.wallet_ids():
            removed += int(self.redis.xtrim(
                keys.wallet_stream(wallet_id), minid=str(older_than_ms), approximate=False))
            self.redis.zremrangebyscore(keys.wallet_sessions(wallet_id), "-inf",
                                        f"({older_than_ms - session_max_ms}")
            wallets += 1
        return wallets, removed

    # Reconciliation ----------------------------------------------------------------------

    def reconciliation_counters(self, days: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
        """Sum every shard's counters for ``days``: (day, provider, game, currency) -> totals.

        The movement scripts keep the counters, so this reads 256 hashes a day whatever the
        day's traffic, in one pipelined batch (split per node on a cluster).
        """
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            for shard in keys.SHARDS:
                pipe.hgetall(keys.reconciliation(shard, day))
        replies = iter(pipe.execute())
        totals: dict[tuple[str, ...], dict[str, int]] = {}
        for day in days:
            for _ in keys.SHARDS:
                for field, value in _text_map(next(replies)).items():
                    provider, game, currency, counter = field.split(keys.COUNTER_SEPARATOR)
                    row = totals.setdefault((day, provider, game, currency), {})
                    row[counter] = row.get(counter, 0) + int(value)
        return totals


def _chunks(items: Iterator[str], size: int = 1000) -> Iterator[list[str]]:
    """Split ``items`` into lists of ``size`` (one pipeline each)."""
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
