"""The 256 outbox streams, read through one consumer group, each on the node that holds it.

A shard's outbox (``ob:{xx}``) holds the changes its scripts made, oldest first. The exporter
reads new entries with XREADGROUP, takes over what a dead exporter left pending with
XAUTOCLAIM, and once PostgreSQL has committed an entry acknowledges and deletes it in one
atomic step (``outbox_done.lua``). So every entry still in an outbox is one the ledger has not
committed: the backlog (the lag gauges) is the streams' length and their first entry's age.

On Redis Cluster a multi-key command cannot span slots: each shard gets its own command, the
commands for one node sent in one pipeline through that node's own connection.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import redis
from redis.cluster import RedisCluster
from redis.exceptions import NoScriptError, ResponseError

from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.scripts import lua, sha

GROUP = "ledger"
# Sent per node in the pipelines below (a cluster's outboxes are on several nodes), so by its id.
_DONE = lua("outbox_done.lua")
_DONE_SHA = sha(_DONE)


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox entry: its shard, its stream id and its fields."""

    shard: str
    entry_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Backlog:
    """What the ledger has not committed yet: how many entries, and the oldest one's time."""

    pending: int
    oldest_ms: int | None

    def lag_seconds(self, now_ms: int | None = None) -> float:
        """Return the age of the oldest entry not yet in PostgreSQL (0 when there is none)."""
        if self.oldest_ms is None:
            return 0.0
        now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
        return max(0, now - self.oldest_ms) / 1000


def entry_ms(entry_id: str) -> int:
    """Return the Redis time (ms) in a stream id ``<ms>-<seq>``."""
    return int(entry_id.split("-", 1)[0])


class Outbox:
    """Read, reclaim and retire the outbox entries of every shard."""

    def __init__(self, client: RedisClient) -> None:
        self._client = client

    def _by_node(self, shards: Iterable[str] = keys.SHARDS) -> Iterator[tuple[redis.Redis,
                                                                              list[str]]]:
        """Group shards by the node holding their outbox (one group on a single node)."""
        if not isinstance(self._client, RedisCluster):
            yield self._client, list(shards)
            return
        groups: dict[str, list[str]] = defaultdict(list)
        nodes = {}
        for shard in shards:
            node = self._client.get_node_from_key(keys.outbox(shard))
            groups[node.name].append(shard)
            nodes[node.name] = node
        for name, members in groups.items():
            yield self._client.get_redis_connection(nodes[name]), members

    def refresh(self) -> None:
        """Forget the cluster's slot map after a failure (a failover or resharding)."""
        if isinstance(self._client, RedisCluster):
            self._client.nodes_manager.initialize()

    def ensure_groups(self) -> None:
        """Create the consumer group on every outbox that lacks it (and the empty stream too).

        The groups are looked up first (XINFO GROUPS, a read) and only the missing ones
        created: Redis refuses XGROUP CREATE over ``maxmemory``, and the exporter, which frees
        memory by deleting what it exported (XACK and XDEL, allowed there), must start then.
        """
        for node, shards in self._by_node():
            missing = self._without_group(node, shards)
            if not missing:
                continue
            pipe = node.pipeline(transaction=False)
            for shard in missing:
                pipe.xgroup_create(keys.outbox(shard), GROUP, id="0", mkstream=True)
            for reply in pipe.execute(raise_on_error=False):
                if isinstance(reply, Exception) and "BUSYGROUP" not in str(reply):
                    raise reply  # BUSYGROUP: another exporter made it meanwhile

    @staticmethod
    def _without_group(node: redis.Redis, shards: list[str]) -> list[str]:
        """Return the shards whose outbox lacks the ledger's group (or does not exist)."""
        pipe = node.pipeline(transaction=False)
        for shard in shards:
            pipe.xinfo_groups(keys.outbox(shard))
        missing = []
        for shard, reply in zip(shards, pipe.execute(raise_on_error=False), strict=True):
            if isinstance(reply, ResponseError) and "no such key" in str(reply):
                missing.append(shard)
            elif isinstance(reply, Exception):
                raise reply
            elif all(group["name"] != GROUP for group in reply):
                missing.append(shard)
        return missing

    def read(self, consumer: str, count: int) -> list[OutboxEntry]:
        """Return up to ``count`` new entries of each shard, now delivered to ``consumer``."""
        found: list[OutboxEntry] = []
        for node, shards in self._by_node():
            pipe = node.pipeline(transaction=False)
            for shard in shards:
                pipe.xreadgroup(GROUP, consumer, {keys.outbox(shard): ">"}, count=count)
            for shard, reply in zip(shards, _replies(pipe), strict=True):
                for _stream, rows in reply or []:
                    found.extend(OutboxEntry(shard, entry_id, fields)
                                 for entry_id, fields in rows)
        return found

    def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[OutboxEntry]:
        """Take over entries pending for longer than ``min_idle_ms`` (a dead consumer's)."""
        found: list[OutboxEntry] = []
        for node, shards in self._by_node():
            pipe = node.pipeline(transaction=False)
            for shard in shards:
                pipe.xautoclaim(keys.outbox(shard), GROUP, consumer, min_idle_ms, "0-0",
                                count=count)
            for shard, reply in zip(shards, _replies(pipe), strict=True):
                found.extend(OutboxEntry(shard, entry_id, fields)
                             for entry_id, fields in reply[1] if entry_id is not None)
        return found

    def done(self, entries: Iterable[OutboxEntry]) -> None:
        """Acknowledge and delete entries that PostgreSQL has committed."""
        ids: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            ids[entry.shard].append(entry.entry_id)
        for node, shards in self._by_node(sorted(ids)):
            try:
                self._run_done(node, shards, ids)
            except NoScriptError:
                node.script_load(_DONE)
                self._run_done(node, shards, ids)

    @staticmethod
    def _run_done(node: redis.Redis, shards: list[str], ids: dict[str, list[str]]) -> None:
        pipe = node.pipeline(transaction=False)
        for shard in shards:
            pipe.evalsha(_DONE_SHA, 1, keys.outbox(shard), GROUP, *ids[shard])
        pipe.execute()

    def backlog(self) -> Backlog:
        """Count the entries not yet committed to PostgreSQL and find the oldest one."""
        pending, oldest = 0, None
        for node, shards in self._by_node():
            pipe = node.pipeline(transaction=False)
            for shard in shards:
                pipe.xlen(keys.outbox(shard))
                pipe.xrange(keys.outbox(shard), count=1)
            replies = pipe.execute()
            for length, first in zip(replies[::2], replies[1::2], strict=True):
                pending += int(length)
                if first:
                    first_ms = entry_ms(first[0][0])
                    oldest = first_ms if oldest is None else min(oldest, first_ms)
        return Backlog(pending, oldest)

    def consumers(self) -> list[dict[str, Any]]:
        """Return every shard's consumers of the ledger group (name, pending, idle ms)."""
        found: list[dict[str, Any]] = []
        for node, shards in self._by_node():
            pipe = node.pipeline(transaction=False)
            for shard in shards:
                pipe.xinfo_consumers(keys.outbox(shard), GROUP)
            for shard, reply in zip(shards, pipe.execute(raise_on_error=False), strict=True):
                if not isinstance(reply, Exception):
                    found.extend({"shard": shard, **consumer} for consumer in reply)
        return found

    def forget_idle_consumers(self, idle_ms: int) -> int:
        """Delete consumers that hold nothing and were idle for ``idle_ms`` (exited exporters)."""
        gone = [c for c in self.consumers() if c["pending"] == 0 and c["idle"] >= idle_ms]
        for consumer in gone:
            self._client.xgroup_delconsumer(keys.outbox(consumer["shard"]), GROUP,
                                            consumer["name"])
        return len(gone)


def _replies(pipe: Any) -> list[Any]:
    """Execute a pipeline; a missing group (Redis emptied or restored) raises NoGroup."""
    replies = cast(list[Any], pipe.execute(raise_on_error=False))
    for reply in replies:
        if isinstance(reply, ResponseError) and "NOGROUP" in str(reply):
            raise NoGroup(str(reply))
        if isinstance(reply, Exception):
            raise reply
    return replies


class NoGroup(ResponseError):
    """An outbox lacks the consumer group: Redis was emptied or restored since we started."""
