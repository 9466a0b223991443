"""The store as the tests see it: every key on every node, and a snapshot of them all."""

from __future__ import annotations

from typing import Any

from redis.cluster import RedisCluster

from walletsvc.store import RedisClient


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
    readers = {
        "string": redis.get,
        "hash": redis.hgetall,
        "zset": lambda key: redis.zrange(key, 0, -1, withscores=True),
        "stream": redis.xrange,
        "set": redis.smembers,
        "list": lambda key: redis.lrange(key, 0, -1),
    }
    return {key: (kind, readers[kind](key))
            for key in all_keys(redis) for kind in [redis.type(key)]
            if not (cluster and key.startswith("ref:"))}
