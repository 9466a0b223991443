"""The store's side of ``ledger restore``: the records, streams, counters and wallets of a shard.

The ledger (walletsvc/ledger/restore.py) reads what to write; this module alone knows how it
lies in Redis. Records and wallet-stream entries go in batches through one script call
(restore.lua), a few hundred entries a round trip; the reference directory lives outside the
shard's slot, so on a Redis Cluster it is written by a pipeline beside them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

from redis.cluster import RedisCluster

from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import ReplicatedWrites
from walletsvc.store.scripts import Script

_BATCH = 500
_STREAMED = frozenset({"debit", "credit", "rollback", "deposit", "withdrawal"})
_ADJUSTMENTS = frozenset({"deposit", "withdrawal"})


@dataclass(frozen=True)
class RestoredEntry:
    """One ledger entry to write back: what its keys are made of, and its fields as JSON."""

    entry_id: str  # the outbox stream id, ms-seq: the wallet stream entry's id too
    event: str
    wallet: str
    parent_system: str
    reference: str
    reverses: str
    fields_json: str


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


class ShardWriter:
    """Write one shard's ledger entries back into Redis, in batches, idempotently."""

    def __init__(self, redis: RedisClient, script: Script) -> None:
        self._redis = redis
        self._script = script
        self._cluster = isinstance(redis, RedisCluster)
        self._batch = _Batch()
        self.stream_entries = 0

    def entry(self, entry: RestoredEntry, ttl_ms: int) -> None:
        """Queue one ledger entry with the TTL its records get."""
        batch = self._batch
        if entry.event in _ADJUSTMENTS:
            record = batch.key(keys.adjustment(entry.wallet, entry.reference))
            owner = target = 0
        else:
            record = batch.key(keys.movement(entry.wallet, entry.parent_system, entry.reference))
            owner = self._owner(keys.reference_owner(entry.parent_system, entry.reference),
                                entry.wallet, ttl_ms)
            target = batch.key(keys.movement(entry.wallet, entry.parent_system, entry.reverses)
                               ) if entry.event == "rollback" else 0
        stream = batch.key(keys.wallet_stream(entry.wallet)) if entry.event in _STREAMED else 0
        # The entry's fields go as the ledger keeps them (JSON text), never parsed here.
        batch.entries.append(f'{{"k":[{record},{stream},{owner},{target}],"t":"{ttl_ms}",'
                             f'"i":"{entry.entry_id}","f":{entry.fields_json}}}')
        if len(batch.entries) >= _BATCH:
            self.flush()

    def _owner(self, owner: str, wallet: str, ttl_ms: int) -> int:
        """Return the directory key's index, or 0 on a cluster (it is in another slot)."""
        if self._cluster:
            self._batch.owners.append((owner, wallet, ttl_ms))
            return 0
        return self._batch.key(owner)

    def flush(self) -> None:
        """Write what is queued: one script call, and on a cluster one directory pipeline."""
        batch, self._batch = self._batch, _Batch()
        if not batch.entries:
            return
        if batch.owners:
            pipe = self._redis.pipeline(transaction=False)
            for owner, wallet, ttl_ms in batch.owners:
                pipe.set(owner, wallet, px=ttl_ms)
            pipe.execute()
        payload = "[" + ",".join(batch.entries) + "]"
        self.stream_entries += int(self._script.positional(batch.keys, [payload]))

    def counters(self, day_counters: Mapping[tuple[str, str], Mapping[str, int]],
                 ttls: Mapping[tuple[str, str], int]) -> None:
        """Write the shard's reconciliation counters, each hash whole (idempotent)."""
        pipe = self._redis.pipeline(transaction=False)
        for (shard, day), counters in sorted(day_counters.items()):
            key = keys.reconciliation(shard, day)
            pipe.hset(key, mapping={name: str(value) for name, value in counters.items()})
            pipe.pexpire(key, ttls[(shard, day)])
        pipe.execute()

    def wallets(self, wallets: Iterable[tuple[str, Mapping[str, str]]]) -> int:
        """Write wallets' hashes (player, currency, balances, blocked flag, creation).

        Pipelined without waiting for replicas: the shard's marker, written after them with
        its acknowledgement, is confirmed only once replicas hold everything before it.
        """
        pipe, count = self._redis.pipeline(transaction=False), 0
        for wallet_id, state in wallets:
            pipe.hset(keys.wallet(wallet_id),
                      mapping={name: value for name, value in state.items()})
            count += 1
            if len(pipe) >= _BATCH:
                pipe.execute()
        pipe.execute()
        return count


def restore_script(redis: RedisClient, writes: ReplicatedWrites) -> Script:
    """Return restore.lua bound to ``redis`` (without common.lua: see the script)."""
    source = (resources.files("walletsvc.store") / "lua" / "restore.lua").read_text()
    acknowledged = writes if writes.acknowledgement.waits else None
    return Script.of(redis, source, acknowledged)
