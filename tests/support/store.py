"""The store as the tests see it: fakeredis as walletsvc needs it, every key, a snapshot of all."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import fakeredis
import redis
from redis.cluster import RedisCluster

from walletsvc.store import RedisClient, keys
from walletsvc.store.fence import READY

R = TypeVar("R", bound=RedisClient)
TEST_STORE = "00000000-0000-4000-8000-000000000000"


def initialised() -> dict[str, Any]:
    """Return the snapshot of a store just initialised: its markers and nothing else."""
    return {keys.store_marker(shard): ("hash", {"state": READY, "store": TEST_STORE, "at": "0"})
            for shard in keys.SHARDS}


def ready(redis: R) -> R:
    """Return ``redis`` after marking its store ready (``initialise``)."""
    initialise(redis)
    return redis


def initialise(redis: RedisClient) -> None:
    """Mark every shard ready, as ``walletsvc store init`` does on a new store (one pipeline)."""
    pipe = redis.pipeline(transaction=False)
    for shard in keys.SHARDS:
        pipe.hset(keys.store_marker(shard), mapping={"state": READY, "store": TEST_STORE,
                                                     "at": "0"})
    pipe.execute()


class FakeRedis(fakeredis.FakeRedis):
    """fakeredis, answering ``INFO`` as a Redis configured the way walletsvc needs.

    fakeredis has no INFO; the real-server tests read the real one. ``memory_policy`` and
    ``info_fields`` let a fast test play a Redis configured otherwise. It starts as a store
    that ``walletsvc store init`` marked, unless ``initialised`` is false.
    """

    def __init__(self, memory_policy: str = "noeviction", initialised: bool = True,
                 **info_fields: Any) -> None:
        super().__init__(decode_responses=True)
        self.memory_policy = memory_policy
        self.info_fields = info_fields
        if initialised:
            initialise(self)

    def info(self, section: str | None = None, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Return the INFO fields walletsvc reads."""
        return {"maxmemory_policy": self.memory_policy, "role": "master", "used_memory": 1,
                "maxmemory": 0, "rdb_last_bgsave_status": "ok", "aof_last_write_status": "ok",
                **self.info_fields}


def all_keys(redis: RedisClient, pattern: str = "*") -> list[str]:
    """Return the keys matching ``pattern`` on every node (KEYS reaches one node of a cluster)."""
    return sorted(redis.scan_iter(match=pattern, count=1000))


def snapshot(redis: RedisClient) -> dict[str, Any]:
    """Return every key's type and value, to prove a refusal changed nothing.

    On a cluster the reference directory is claimed before the movement script runs and a
    refused movement keeps its claim (by design: see WalletStore._references), so directory
    entries are left out there; tests/realredis/test_cluster.py checks those claims.
    """
    cluster = isinstance(redis, RedisCluster)
    readers: dict[str, Callable[[str], Any]] = {
        "string": redis.get,
        "hash": redis.hgetall,
        "zset": lambda key: redis.zrange(key, 0, -1, withscores=True),
        "stream": redis.xrange,
        "set": redis.smembers,
        "list": lambda key: redis.lrange(key, 0, -1),
    }
    return {key: (kind, readers[kind](key))
            for key in all_keys(redis) for kind in [str(redis.type(key))]
            if not (cluster and key.startswith("ref:"))}


def stream_entries(redis: RedisClient, key: str) -> list[tuple[str, dict[str, str]]]:
    """Return the (id, fields) of every entry of the stream ``key``, oldest first."""
    return cast(list[tuple[str, dict[str, str]]], redis.xrange(key))


def stream_fields(redis: RedisClient, key: str) -> list[dict[str, str]]:
    """Return the fields of every entry of the stream ``key``, oldest first."""
    return [fields for _, fields in stream_entries(redis, key)]


def hash_fields(redis: RedisClient, key: str) -> dict[str, str]:
    """Return every field of the hash ``key``."""
    return cast(dict[str, str], redis.hgetall(key))


def applied_references(redis: RedisClient, wallet_ids: Iterable[str]) -> Counter[str]:
    """Count how many times each GPAS movement reference was applied to these wallets.

    Read from the wallets' audit streams, which the movement script writes in the same atomic
    step as the balance; each wallet's balances must equal its stream's sums, else it raises.
    """
    applied: Counter[str] = Counter()
    for wallet_id in wallet_ids:
        entries = stream_fields(redis, keys.wallet_stream(wallet_id))
        wallet = hash_fields(redis, keys.wallet(wallet_id))
        for part in ("real", "bonus"):
            if sum(int(entry.get(part, 0)) for entry in entries) != int(wallet[part]):
                raise AssertionError(f"{wallet_id}: {part} is not the sum of its audit stream")
        applied.update(entry["ref"] for entry in entries
                       if entry["event"] in ("debit", "credit", "rollback"))
    return applied


@contextmanager
def writes_paused(port: int) -> Iterator[redis.Redis]:
    """Hold every write and script call at the Redis on ``port`` until the block ends (CLIENT
    PAUSE WRITE; reads still answer): a movement sent meanwhile stays in flight."""
    client = redis.Redis(port=port, decode_responses=True)
    client.client_pause(60_000, all=False)
    try:
        yield client
    finally:
        client.client_unpause()
        client.close()
