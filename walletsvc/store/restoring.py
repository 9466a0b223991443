"""The store's side of ``ledger restore``: the records, streams, counters and wallets of a shard.

The ledger (walletsvc/ledger/restore.py) reads what to write; this module alone knows how it
lies in Redis. Records and wallet-stream entries go in batches through one script call
(restore.lua), a few hundred entries a round trip; the reference directory lives outside the
shard's slot, so on a Redis Cluster it is written by a pipeline beside them.

Every write runs on one background thread, in the order it was queued, while the caller reads
the next rows from PostgreSQL: the two halves of the work overlap instead of taking turns. After
the first failure nothing more is written (a shard is never marked ready past a failed batch),
and the failure is raised to the caller.
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from redis.cluster import RedisCluster

from walletsvc.store import fence, keys
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import ReplicatedWrites
from walletsvc.store.scripts import Script, lua

_BATCH = 500
_STREAMED = frozenset({"debit", "credit", "rollback", "deposit", "withdrawal"})
_ADJUSTMENTS = frozenset({"deposit", "withdrawal"})
# A movement's two counters (common.lua), by its event and, for a rollback, what it reversed.
_COUNTER_NAMES = {("debit", None): ("bet", "count_bet"), ("credit", None): ("win", "count_win"),
                  ("rollback", "debit"): ("bet_rollback", "count_rollback"),
                  ("rollback", "credit"): ("win_rollback", "count_rollback")}


class RestoredWallet(NamedTuple):
    """A wallet as the ledger keeps it: amounts in minor units, created in ms (0: unknown)."""

    wallet_id: str
    player: str
    currency: str
    created_ms: int
    blocked: bool
    real: int
    bonus: int

    def fields(self) -> dict[str, str]:
        """Return the wallet's hash, as create_wallet.lua and the movements leave it."""
        return {"currency": self.currency, "player": self.player, "real": str(self.real),
                "bonus": str(self.bonus), "blocked": "1" if self.blocked else "0",
                "created": str(self.created_ms)}


class Counted(NamedTuple):
    """The ledger's sum of one kind of movement of one game on one UTC day."""

    day: str
    provider: str
    game: str
    currency: str
    event: str
    reversed_kind: str | None  # a rollback's: what it reversed
    total: int
    movements: int
    last_ms: int


@dataclass
class _Batch:
    keys: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    entries: list[str] = field(default_factory=list)
    owners: list[tuple[str, str, int]] = field(default_factory=list)  # on a cluster

    def key(self, name: str) -> int:
        """Return the 1-based KEYS index of ``name``, adding it once."""
        if name not in self.index:
            self.keys.append(name)
            self.index[name] = len(self.keys)
        return self.index[name]


class _InOrder:
    """One background thread running the tasks it is given in order; stops at a failure."""

    def __init__(self, depth: int = 4) -> None:
        self._tasks: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.Queue(maxsize=depth))
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="restore-writer", daemon=True)
        self._thread.start()

    def submit(self, task: Callable[..., Any], *args: Any) -> None:
        """Queue ``task``; raise the failure of an earlier one instead."""
        self._raise()
        self._tasks.put((task, args))

    def close(self) -> None:
        """Wait for every queued task; raise the first failure."""
        self._tasks.put(None)
        self._thread.join()
        self._raise()

    def _raise(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _run(self) -> None:
        while (item := self._tasks.get()) is not None:
            if self._failure is None:
                task, args = item
                try:
                    task(*args)
                except BaseException as exc:  # handed to the caller at its next call
                    self._failure = exc


class ShardWriter:
    """Write shards' ledger entries back into Redis, in batches, in order, idempotently."""

    def __init__(self, redis: RedisClient, script: Script, writes: ReplicatedWrites) -> None:
        self._redis = redis
        self._script = script
        self._writes = writes
        self._cluster = isinstance(redis, RedisCluster)
        self._batch = _Batch()
        self._background = _InOrder()
        self.stream_entries = 0

    def entry(self, entry_id: str, event: str, wallet: str, parent_system: str, reference: str,
              reverses: str | None, fields_json: str, ttl_ms: int) -> None:
        """Queue one ledger entry (its outbox id, what its keys are made of, its fields as the
        ledger keeps them) with the TTL its records get."""
        batch = self._batch
        if event in _ADJUSTMENTS:
            record = batch.key(keys.adjustment(wallet, reference))
            owner = target = 0
        else:
            record = batch.key(keys.movement(wallet, parent_system, reference))
            owner = self._owner(keys.reference_owner(parent_system, reference), wallet, ttl_ms)
            target = batch.key(keys.movement(wallet, parent_system, reverses or "")
                               ) if event == "rollback" else 0
        stream = batch.key(keys.wallet_stream(wallet)) if event in _STREAMED else 0
        # The fields go as the ledger keeps them (JSON text), never parsed here.
        batch.entries.append(f'{{"k":[{record},{stream},{owner},{target}],"t":"{ttl_ms}",'
                             f'"i":"{entry_id}","f":{fields_json}}}')
        if len(batch.entries) >= _BATCH:
            self.flush()

    def _owner(self, owner: str, wallet: str, ttl_ms: int) -> int:
        """Return the directory key's index, or 0 on a cluster (it is in another slot)."""
        if self._cluster:
            self._batch.owners.append((owner, wallet, ttl_ms))
            return 0
        return self._batch.key(owner)

    def flush(self) -> None:
        """Queue the write of what is batched: one script call (and a directory pipeline)."""
        batch, self._batch = self._batch, _Batch()
        if batch.entries:
            self._background.submit(self._send, batch)

    def protection(self, settings: Sequence[tuple[str, Mapping[str, str]]],
                   usage: Sequence[tuple[str, Mapping[str, str]]], usage_ttl_ms: int) -> None:
        """Queue wallets' protection settings, and their period counters kept ``usage_ttl_ms``
        (store/lua/protection.lua)."""
        if settings or usage:
            self._background.submit(self._protection, settings, usage, max(1, usage_ttl_ms))

    def _protection(self, settings: Sequence[tuple[str, Mapping[str, str]]],
                    usage: Sequence[tuple[str, Mapping[str, str]]], usage_ttl_ms: int) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for wallet_id, fields in settings:
            pipe.delete(keys.protection(wallet_id))
            pipe.hset(keys.protection(wallet_id), mapping={k: v for k, v in fields.items()})
        for wallet_id, fields in usage:
            pipe.hset(keys.usage(wallet_id), mapping={k: v for k, v in fields.items()})
            pipe.pexpire(keys.usage(wallet_id), usage_ttl_ms)
        pipe.execute()

    def finish_shard(self, shard: str, counted: Sequence[Counted], ttl_after_last_ms: int,
                     wallets: Sequence[RestoredWallet], state: str, identity: str,
                     now_ms: int) -> int:
        """Queue the shard's last writes: its counters (each day's hash kept for
        ``ttl_after_last_ms`` after its last movement), its wallets, then its marker; return
        how many counter hashes that is."""
        self.flush()
        counters, ttls = _counters(shard, counted, ttl_after_last_ms)
        self._background.submit(self._finish, shard, counters, ttls, wallets,
                                (state, identity, now_ms))
        return len(counters)

    def close(self) -> None:
        """Wait until everything queued is written; raise the first failure."""
        self._background.close()

    def _send(self, batch: _Batch) -> None:
        if batch.owners:
            pipe = self._redis.pipeline(transaction=False)
            for owner, wallet, ttl_ms in batch.owners:
                pipe.set(owner, wallet, px=ttl_ms)
            pipe.execute()
        payload = "[" + ",".join(batch.entries) + "]"
        self.stream_entries += int(self._script.positional(batch.keys, [payload]))

    def _finish(self, shard: str, counters: Mapping[tuple[str, str], Mapping[str, int]],
                ttls: Mapping[tuple[str, str], int], wallets: Sequence[RestoredWallet],
                marker: tuple[str, str, int]) -> None:
        """Write counters and wallets pipelined, then the marker with its acknowledgement.

        The marker waits for replicas as every write does, so it is confirmed only once
        replicas hold everything written before it.
        """
        pipe = self._redis.pipeline(transaction=False)
        for (counter_shard, day), values in sorted(counters.items()):
            key = keys.reconciliation(counter_shard, day)
            pipe.hset(key, mapping={name: str(value) for name, value in values.items()})
            pipe.pexpire(key, ttls[(counter_shard, day)])
        for wallet in wallets:
            pipe.hset(keys.wallet(wallet.wallet_id),
                      mapping={name: value for name, value in wallet.fields().items()})
            if len(pipe) >= _BATCH:
                pipe.execute()
        pipe.execute()
        fence.mark(self._writes, [shard], *marker)



def _counters(shard: str, counted: Sequence[Counted], ttl_after_last_ms: int
              ) -> tuple[dict[tuple[str, str], dict[str, int]], dict[tuple[str, str], int]]:
    """Name the ledger's sums as the movement scripts name their counters (common.lua):
    the hashes by (shard, day), and each one's TTL from its last movement."""
    values: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    last: dict[tuple[str, str], int] = {}
    for row in counted:
        prefix = keys.COUNTER_SEPARATOR.join((row.provider, row.game, row.currency, ""))
        hash_ = values[(shard, row.day)]
        for name, value in zip(_COUNTER_NAMES[(row.event, row.reversed_kind)],
                               (row.total, row.movements), strict=True):
            hash_[prefix + name] = hash_.get(prefix + name, 0) + value
        last[(shard, row.day)] = max(last.get((shard, row.day), 0), row.last_ms)
    return values, {key: ms + ttl_after_last_ms for key, ms in last.items()}


def restore_script(redis: RedisClient, writes: ReplicatedWrites) -> Script:
    """Return restore.lua bound to ``redis`` (without common.lua: see the script)."""
    acknowledged = writes if writes.acknowledgement.waits else None
    return Script.of(redis, lua("restore.lua"), acknowledged)
