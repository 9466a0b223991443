"""``ledger restore``: rebuild an empty Redis from the ledger.

What comes back: every wallet (player, currency, balances, blocked flag, creation time); for
the changes of the Redis retention period, each movement's record (so its reference answers
1003 again, and an identical repeat still replays), each rollback tombstone, each operator
adjustment's record, the reference directory, the wallets' audit streams and the
reconciliation counters, each with the TTL it would have had. Sessions do not come back: GPAS
gets 1004 on a session it knew and opens a new one. Restore writes plain commands, not the
scripts, so nothing it writes goes to the outbox again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg

from walletsvc.domain.clock import utc_day
from walletsvc.ledger.records import millis, moment
from walletsvc.store import RedisClient, keys

_CHUNK = 2000
_RESTORED = ("debit", "credit", "rollback", "tombstone", "deposit", "withdrawal")
_STREAMED = frozenset({"debit", "credit", "rollback", "deposit", "withdrawal"})


class RestoreRefused(Exception):
    """Redis is not empty: restore would mix the ledger's state with what is there."""


@dataclass
class RestoreStats:
    """What restore wrote."""

    wallets: int = 0
    records: int = 0
    stream_entries: int = 0
    counters: int = 0


def stored_keys(redis: RedisClient, sample: int = 5) -> list[str]:
    """Return up to ``sample`` keys Redis holds, besides empty outboxes (the exporter's)."""
    found = []
    for key in redis.scan_iter(count=1000):
        if key.startswith("ob:") and redis.type(key) == "stream" and not redis.xlen(key):
            continue
        found.append(str(key))
        if len(found) >= sample:
            break
    return found


class Restorer:
    """Write the ledger's state into an empty Redis."""

    def __init__(self, redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]],
                 retention_ms: int, now_ms: int) -> None:
        self._redis = redis
        self._conn = conn
        self._retention = retention_ms
        self._now = now_ms
        self.stats = RestoreStats()
        self._counters: dict[tuple[str, str], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))
        self._counter_last: dict[tuple[str, str], int] = {}
        # The movement records restored in the current shard (entries come shard by shard,
        # oldest first): a rollback marks its target only if the target came back.
        self._shard_records: set[str] = set()
        self._shard = ""

    def run(self) -> RestoreStats:
        """Refuse a Redis that holds anything; else restore wallets, records and counters."""
        present = stored_keys(self._redis)
        if present:
            raise RestoreRefused(f"Redis is not empty (it holds {', '.join(present)}...); "
                                 "restore writes only into an empty Redis")
        self._wallets()
        self._entries()
        self._write_counters()
        return self.stats

    def _ttl(self, ts: int) -> int:
        return ts + self._retention - self._now

    def _wallets(self) -> None:
        pipe = self._redis.pipeline(transaction=False)
        rows = self._conn.execute("SELECT wallet_id, player_id, currency, created_at, blocked,"
                                  " real, bonus FROM ledger_wallets ORDER BY wallet_id")
        for wallet_id, player, currency, created, blocked, real, bonus in rows:
            pipe.hset(keys.wallet(wallet_id), mapping={
                "currency": currency or "", "player": player or "", "real": str(real),
                "bonus": str(bonus), "blocked": "1" if blocked else "0",
                "created": str(millis(created)) if created else "0"})
            self.stats.wallets += 1
            if len(pipe) >= _CHUNK:
                pipe.execute()
        pipe.execute()

    def _entries(self) -> None:
        since = moment(self._now - self._retention)
        pipe = self._redis.pipeline(transaction=False)
        with self._conn.cursor(name="restore") as cur:
            cur.itersize = _CHUNK
            cur.execute("SELECT shard, entry_ms, entry_seq, fields FROM ledger_entries"
                        " WHERE at > %s AND event = ANY(%s)"
                        " ORDER BY shard, entry_ms, entry_seq", (since, list(_RESTORED)))
            for shard, ms, seq, fields in cur:
                self._entry(pipe, shard, f"{ms}-{seq}", fields)
                if len(pipe) >= _CHUNK:
                    pipe.execute()
        pipe.execute()

    def _entry(self, pipe: Any, shard: str, entry_id: str, f: dict[str, str]) -> None:
        if shard != self._shard:
            self._shard, self._shard_records = shard, set()
        event, ts = f["event"], int(f["ts"])
        ttl = self._ttl(ts)
        if ttl <= 0:
            return
        wallet = f.get("wallet") or f["_wallet"]
        if event in ("deposit", "withdrawal"):
            pipe.hset(keys.adjustment(wallet, f["ref"]), mapping={
                "fp": f["_fp"], "mid": f["mid"], "real_after": f["real_after"],
                "bonus_after": f["bonus_after"]})
            pipe.pexpire(keys.adjustment(wallet, f["ref"]), ttl)
        else:
            self._movement(pipe, wallet, f, ttl)
        if event in _STREAMED:
            audit = {name: value for name, value in f.items() if not name.startswith("_")}
            pipe.xadd(keys.wallet_stream(wallet), audit, id=entry_id)
            self.stats.stream_entries += 1
        if event in ("debit", "credit", "rollback"):
            self._count(shard, ts, f)
        self.stats.records += 1

    def _movement(self, pipe: Any, wallet: str, f: dict[str, str], ttl: int) -> None:
        event, ps, ref = f["event"], f["ps"], f["ref"]
        record = keys.movement(wallet, ps, ref)
        if event == "tombstone":
            pipe.hset(record, mapping={"kind": "tombstone", "sid": f["sid"], "by": f["by"],
                                       "ts": f["ts"]})
        else:
            parts = {"real": str(abs(int(f["real"]))), "bonus": str(abs(int(f["bonus"])))}
            common = {"kind": event, "fp": f["_fp"], "mid": f["mid"], "sid": f["sid"],
                      "amount": f["amount"], **parts, "real_after": f["real_after"],
                      "bonus_after": f["bonus_after"], "ts": f["ts"]}
            if event == "rollback":
                pipe.hset(record, mapping={**common, "reverses": f["reverses"]})
                target = keys.movement(wallet, ps, f["reverses"])
                # A reversed movement older than the retention has expired in Redis too.
                if target in self._shard_records:
                    pipe.hset(target, "rolled_back", ref)
            else:
                pipe.hset(record, mapping={**common, "game": f["game"],
                                           "provider": f["provider"]})
                self._shard_records.add(record)
        pipe.pexpire(record, ttl)
        pipe.set(keys.reference_owner(ps, ref), wallet, px=ttl)

    def _count(self, shard: str, ts: int, f: dict[str, str]) -> None:
        key = (shard, utc_day(ts))
        counters = self._counters[key]
        prefix = keys.COUNTER_SEPARATOR.join((f["provider"], f["game"], f["currency"], ""))
        if f["event"] == "debit":
            counters[prefix + "bet"] += int(f["amount"])
            counters[prefix + "count_bet"] += 1
        elif f["event"] == "credit":
            counters[prefix + "win"] += int(f["amount"])
            counters[prefix + "count_win"] += 1
        else:
            reversed_kind = "bet" if f["_reversed"] == "debit" else "win"
            counters[prefix + reversed_kind + "_rollback"] += int(f["amount"])
            counters[prefix + "count_rollback"] += 1
        self._counter_last[key] = max(self._counter_last.get(key, 0), ts)

    def _write_counters(self) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for (shard, day), counters in sorted(self._counters.items()):
            key = keys.reconciliation(shard, day)
            pipe.hset(key, mapping={name: str(value) for name, value in counters.items()})
            pipe.pexpire(key, self._ttl(self._counter_last[(shard, day)]))
            self.stats.counters += 1
        pipe.execute()


def restore(redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]], retention_ms: int,
            now_ms: int) -> RestoreStats:
    """Rebuild an empty Redis from the ledger; raise RestoreRefused if it holds anything."""
    return Restorer(redis, conn, retention_ms, now_ms).run()

