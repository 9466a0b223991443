"""The Redis connection, configured so that no command is ever sent twice, from a pool that
waits for a free connection rather than failing."""

from __future__ import annotations

from queue import Empty, LifoQueue
from typing import Any, TypeAlias, cast

import redis
from redis.backoff import NoBackoff
from redis.cluster import RedisCluster
from redis.connection import BlockingConnectionPool
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelConnectionPool

from walletsvc.errors import Overloaded
from walletsvc.observability import record_overload
from walletsvc.store.sentinel import (
    PrimaryConnection,
    PrimaryDemoted,
    PrimarySSLConnection,
    SentinelPrimaryConnection,
    SentinelPrimarySSLConnection,
    is_sentinel_url,
    parse_sentinel_url,
)

RedisClient: TypeAlias = "redis.Redis | RedisCluster"
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")
_CONNECTION_CLASSES = {"redis": PrimaryConnection, "rediss": PrimarySSLConnection}
# Connections per node for a client made without a size (commands, tools).
DEFAULT_CONNECTIONS = 64


class _FreeConnections(LifoQueue[Any]):
    """A pool's free connections; none free within the wait is overload, not a Redis failure.

    redis-py turns an empty wait into a ConnectionError, which reads as Redis unreachable;
    no command was sent, so the caller is told to come back instead (503 OVERLOADED).
    """

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Return a free connection (or None: make one), waiting at most ``timeout``."""
        try:
            return super().get(block, timeout)
        except Empty:
            record_overload("redis_pool", connections=self.maxsize,
                            wait_ms=round((timeout or 0) * 1000))
            raise Overloaded(reason="redis_pool") from None


class _SentinelWaitingPool(SentinelConnectionPool, BlockingConnectionPool):
    """The Sentinels' pool of the primary, waiting for a free connection as the others do."""


def is_cluster_url(url: str) -> bool:
    """Tell whether ``url`` names a Redis Cluster (``redis+cluster://host:port``)."""
    return url.startswith(CLUSTER_SCHEMES)


def connect(url: str, socket_timeout: float, cluster: bool = False,
            sentinel_auth: tuple[str | None, str | None] = (None, None),
            connections: int = DEFAULT_CONNECTIONS) -> RedisClient:
    """Return a client for ``url`` (a cluster client if asked) that fails fast, never retrying.

    A script call that timed out may still have run; sending it again could apply a movement
    twice, so the client makes no retries on connection errors or timeouts (redis-py otherwise
    does). Only what proves the command did not run is retried: NOSCRIPT, by ``Script``
    itself; READONLY from a demoted primary, once, on a new connection (see
    ``walletsvc.store.sentinel``); and on a cluster MOVED and ASK redirections.
    ``sentinel_auth`` is the (username, password) of the Sentinels of a
    ``redis+sentinel://`` URL.

    Each node's pool holds at most ``connections``; a call finding none free waits up to
    ``socket_timeout`` for one, then raises Overloaded (redis-py's own pool fails at once with
    "Too many connections", a ConnectionError that reads as Redis unreachable).
    """
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": socket_timeout,
        "max_connections": connections,
        "timeout": socket_timeout,  # the wait for a free connection
        "queue_class": _FreeConnections,
    }
    if cluster or is_cluster_url(url):
        return RedisCluster.from_url(url.replace("+cluster", "", 1), retry=Retry(NoBackoff(), 0),
                                     connection_pool_class=BlockingConnectionPool, **options)
    options.update(retry=Retry(NoBackoff(), 1, supported_errors=(PrimaryDemoted,)),
                   health_check_interval=30)
    if is_sentinel_url(url):
        return _through_sentinels(url, options, sentinel_auth)
    connection_class = _CONNECTION_CLASSES.get(url.partition("://")[0])
    if connection_class:  # a unix:// socket keeps redis-py's own connection class
        options["connection_class"] = connection_class
    return redis.Redis.from_pool(BlockingConnectionPool.from_url(url, **options))


def _through_sentinels(url: str, options: dict[str, Any],
                       auth: tuple[str | None, str | None]) -> redis.Redis:
    """Return a client of the primary the Sentinels name, following it after a failover."""
    target = parse_sentinel_url(url)
    sentinel_options = {"socket_timeout": options["socket_timeout"],
                        "socket_connect_timeout": options["socket_connect_timeout"],
                        "username": auth[0], "password": auth[1],
                        "retry": Retry(NoBackoff(), 0), "ssl": target.tls}
    sentinels = Sentinel(list(target.sentinels), sentinel_kwargs=sentinel_options)
    connection_class = SentinelPrimarySSLConnection if target.tls else SentinelPrimaryConnection
    return cast(redis.Redis, sentinels.master_for(
        target.master, connection_class=connection_class, db=target.db,
        connection_pool_class=_SentinelWaitingPool,
        username=target.username, password=target.password, **options))
