"""The store's side of ``ledger restore``: the records, streams, counters and wallets of a shard.

The ledger (walletsvc/ledger/restore.py) reads what to write; this module alone knows how it
lies in Redis. Records and wallet-stream entries go in batches through one script call
(restore.lua), a few hundred entries a round trip; the reference directory lives outside the
shard's slot, so on a Redis Cluster it is written by a pipeline beside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from redis.cluster import RedisCluster

from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import ReplicatedWrites
from walletsvc.store.scripts import Script

_BATCH = 500
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_STREAMED = frozenset({"debit", "credit", "rollback", "deposit", "withdrawal"})
_ADJUSTMENTS = frozenset({"deposit", "withdrawal"})


def _flat(mapping: Mapping[str, str]) -> list[str]:
    return [item for pair in mapping.items() for item in pair]


@dataclass
class _Batch:
    keys: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
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

    def entry(self, entry_id: str, fields: Mapping[str, str], ttl_ms: int) -> None:
        """Queue one outbox entry (as the ledger keeps it) with the TTL its records get."""
        event = fields["event"]
        wallet = fields.get("wallet") or fields["_wallet"]
        batch = self._batch
        if event in _ADJUSTMENTS:
            record = keys.adjustment(wallet, fields["ref"])
            rec = {"fp": fields["_fp"], "mid": fields["mid"],
                   "real_after": fields["real_after"], "bonus_after": fields["bonus_after"]}
        else:
            record = keys.movement(wallet, fields["ps"], fields["ref"])
            rec = _movement_record(fields)
        entry: dict[str, Any] = {"r": batch.key(record), "ttl": str(ttl_ms), "rec": _flat(rec),
                                 "o": 0, "t": 0, "s": 0}
        if event not in _ADJUSTMENTS:
            self._owner(entry, fields["ps"], fields["ref"], wallet, ttl_ms)
        if event == "rollback":
            entry["t"] = batch.key(keys.movement(wallet, fields["ps"], fields["reverses"]))
            entry["ref"] = fields["ref"]
        if event in _STREAMED:
            entry["s"] = batch.key(keys.wallet_stream(wallet))
            entry["id"] = entry_id
            entry["audit"] = _flat({k: v for k, v in fields.items() if not k.startswith("_")})
        batch.entries.append(entry)
        if len(batch.entries) >= _BATCH:
            self.flush()

    def _owner(self, entry: dict[str, Any], parent_system: str, reference: str, wallet: str,
               ttl_ms: int) -> None:
        owner = keys.reference_owner(parent_system, reference)
        if self._cluster:  # the directory is in other slots: not in this script's call
            self._batch.owners.append((owner, wallet, ttl_ms))
        else:
            entry["o"], entry["wallet"] = self._batch.key(owner), wallet

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
        self.stream_entries += int(self._script.positional(batch.keys,
                                                           [_ENCODE(batch.entries)]))

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


def _movement_record(f: Mapping[str, str]) -> dict[str, str]:
    """Return a movement's record (or a tombstone) as the movement scripts write it."""
    if f["event"] == "tombstone":
        return {"kind": "tombstone", "sid": f["sid"], "by": f["by"], "ts": f["ts"]}
    record = {"kind": f["event"], "fp": f["_fp"], "mid": f["mid"], "sid": f["sid"],
              "amount": f["amount"], "real": str(abs(int(f["real"]))),
              "bonus": str(abs(int(f["bonus"]))), "real_after": f["real_after"],
              "bonus_after": f["bonus_after"], "ts": f["ts"]}
    if f["event"] == "rollback":
        record["reverses"] = f["reverses"]
    else:
        record.update(game=f["game"], provider=f["provider"])
    return record


def restore_script(redis: RedisClient, writes: ReplicatedWrites) -> Script:
    """Return restore.lua bound to ``redis`` (without common.lua: see the script)."""
    source = (resources.files("walletsvc.store") / "lua" / "restore.lua").read_text()
    acknowledged = writes if writes.acknowledgement.waits else None
    return Script.of(redis, source, acknowledged)
