"""The store fence: each shard moves money only while its marker says the shard is whole.

A Redis that comes back empty (restarted without its files, a failover to a node that never
synced) has lost the records that make a reference known: a resent bet would be applied again.
So each of the 256 shards carries a marker (``keys.store_marker``), a hash kept without TTL,
and every script of the shard checks it before anything else (common.lua): no marker, or a
marker that says ``restoring``, and the script answers STORE_NOT_READY having written nothing.

- ``walletsvc store init`` writes the markers of a brand-new store (an explicit step: nothing
  writes them by itself, so a store that lost them stays fenced until a person decides).
- ``walletsvc ledger restore`` marks the shards it rebuilds ``restoring`` first and ``ready``
  last, each shard once all its records, streams, counters and wallets are back.

Why it is sound: a marker is a key of its shard's slot, written before any wallet of the shard
and never expiring or evicted (walletsvc moves money only under ``noeviction``). Whatever loses
a shard's data loses its marker with it: an empty node, a node restarted without its files, a
cluster node replaced by an empty one (only the slots it serves are fenced; a resharding moves
the marker with its slot). After a Sentinel failover the new primary holds the marker exactly
when it holds the data written after it, since replication applies writes in order; with
``WALLETSVC_REDIS_MIN_REPLICAS`` the marker, like every acknowledged write, is on a replica.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import ReplicatedWrites

READY = "ready"
RESTORING = "restoring"


@dataclass(frozen=True)
class FenceState:
    """What the markers say: the shards by state, and the store's identity."""

    ready: list[str] = field(default_factory=list)
    restoring: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    identities: frozenset[str] = frozenset()

    @property
    def whole(self) -> bool:
        """Tell whether every shard may move money."""
        return not self.restoring and not self.missing

    @property
    def fresh(self) -> bool:
        """Tell whether no shard has a marker (a new store, or one that lost everything)."""
        return not self.ready and not self.restoring

    def problems(self) -> list[str]:
        """Return why the store may not move money, each with the way out."""
        found = []
        if self.missing and self.fresh:
            found.append(
                "the store is not initialised (no shard has its marker): a new installation "
                "runs `walletsvc store init`; a store that held wallets lost its data and is "
                "rebuilt with `walletsvc ledger restore` (docs/runbooks/store-lost-data.md)")
        elif self.missing:
            found.append(
                f"{len(self.missing)} of {len(keys.SHARDS)} shards lost their data (no marker, "
                f"e.g. {', '.join(self.missing[:3])}): every write to them is refused; rebuild "
                "them with `walletsvc ledger restore` (docs/runbooks/store-lost-data.md)")
        if self.restoring:
            found.append(
                f"{len(self.restoring)} shards are being restored: writes to them are refused "
                "until `walletsvc ledger restore` finishes; if it stopped, run it again to "
                "resume (docs/runbooks/store-lost-data.md)")
        return found


def read(redis: RedisClient) -> FenceState:
    """Read every shard's marker (one pipelined round trip per node)."""
    pipe = redis.pipeline(transaction=False)
    for shard in keys.SHARDS:
        pipe.hmget(keys.store_marker(shard), "state", "store")
    replies = cast(list[list[str | None]], pipe.execute())
    by_state: dict[str, list[str]] = {READY: [], RESTORING: [], "": []}
    identities = set()
    for shard, (shard_state, identity) in zip(keys.SHARDS, replies, strict=True):
        by_state.get(shard_state or "", by_state[""]).append(shard)
        if identity:
            identities.add(identity)
    return FenceState(by_state[READY], by_state[RESTORING], by_state[""], frozenset(identities))


def new_identity() -> str:
    """Return a new store identity (a random UUID)."""
    return str(uuid.uuid4())


def mark(writes: ReplicatedWrites, shards: Iterable[str], state: str, identity: str,
         now_ms: int) -> None:
    """Set the markers of ``shards`` to ``state`` for the store ``identity``.

    Each marker is acknowledged as every write is (WALLETSVC_REDIS_MIN_REPLICAS), so a replica
    that takes over holds the marker as it holds the data.
    """
    for shard in shards:
        key = keys.store_marker(shard)
        writes.execute(key, "HSET", key, "state", state, "store", identity, "at", str(now_ms))
