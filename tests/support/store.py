"""The store as the tests see it: fakeredis as walletsvc needs it, every key, a snapshot of all
(devkit/store.py: a store marked ready, and what the audit streams say was applied)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import fakeredis
import redis
from redis.cluster import RedisCluster

from devkit.store import initialise
from walletsvc.store import RedisClient


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
