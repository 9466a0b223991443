"""The Redis connection, configured so that no command is ever sent twice."""

from __future__ import annotations

from typing import TypeAlias

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.retry import Retry

RedisClient: TypeAlias = "redis.Redis | RedisCluster"
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def is_cluster_url(url: str) -> bool:
    """Tell whether ``url`` names a Redis Cluster (``redis+cluster://host:port``)."""
    return url.startswith(CLUSTER_SCHEMES)


def connect(url: str, socket_timeout: float, cluster: bool = False) -> RedisClient:
    """Return a client for ``url`` (a cluster client if asked) that fails fast, never retrying.

    A script call that timed out may still have run; sending it again could apply a movement
    twice, so the client makes no retries on connection errors or timeouts (redis-py otherwise
    does). Only NOSCRIPT is retried, by ``Script`` itself, and on a cluster MOVED and ASK
    redirections are followed: those errors mean the command did not run.
    """
    options = {
        "decode_responses": True,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": socket_timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    if cluster or is_cluster_url(url):
        return RedisCluster.from_url(url.replace("+cluster", "", 1), **options)
    return redis.Redis.from_url(url, health_check_interval=30, **options)
