"""The Redis connection, configured so that no command is ever sent twice."""

from __future__ import annotations

from typing import TypeAlias

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

RedisClient: TypeAlias = "redis.Redis"


def connect(url: str, socket_timeout: float) -> RedisClient:
    """Return a client for ``url`` that fails fast and never retries.

    A script call that timed out may still have run; sending it again could apply a movement
    twice, so the client makes no retries at all (redis-py otherwise retries on timeouts).
    Only NOSCRIPT is retried, by ``Script`` itself, and that error means the script never ran.
    """
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
