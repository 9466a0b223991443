"""Acknowledge a write only once replicas have it: WAIT (or WAITAOF) in the write's round trip.

Redis replicates asynchronously: a primary's reply says nothing about its replicas, and a
primary lost before they copied a write takes the write with it. With
WALLETSVC_REDIS_MIN_REPLICAS=N every write is pipelined with ``WAIT N timeout`` on the same
connection (one round trip), and answered only when N replicas confirm it; otherwise
``ReplicaAcknowledgementMissing`` (a store failure of kind ``replicas``: one log line, counted)
makes it a 500/1001, whose outcome the caller does not know, as after a timeout (the write may
be on the primary; GPAS's retry meets idempotency).

WAIT counts the replicas that reached the primary's replication offset as it stood after the
connection's last command, whatever that command wrote, so an answer that writes nothing but
stands on an earlier write (a duplicate, a replayed movement) is confirmed the same way.

On a cluster, WAIT has no key to route by: the write and its WAIT go down one connection to
the master that owns the write's first key (every key of a script shares its slot).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.cluster import RedisCluster
from redis.exceptions import (
    AskError,
    ClusterDownError,
    MovedError,
    RedisError,
    ResponseError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from walletsvc.config import Config, ConfigError
from walletsvc.store.client import RedisClient

_REDIRECTIONS = 5  # MOVED, ASK or TRYAGAIN: the command did not run, so it may go again


class ReplicaAcknowledgementMissing(RedisError):
    """Fewer replicas confirmed a write than asked: it may or may not survive the primary."""

    kind = "replicas"


@dataclass(frozen=True)
class Acknowledgement:
    """What a write waits for: ``replicas`` replicas, and with WAITAOF fsyncs too."""

    replicas: int = 0
    timeout_ms: int = 500
    local_fsync: bool = False  # WAITAOF: the primary's own append-only file is fsynced
    replica_fsync: bool = False  # WAITAOF: the replicas' append-only files are fsynced

    @classmethod
    def of(cls, config: Config) -> Acknowledgement:
        """Return what ``config`` asks writes to wait for."""
        return cls(config.redis_min_replicas, config.redis_replica_timeout_ms,
                   "local" in config.redis_waitaof, "replicas" in config.redis_waitaof)

    @property
    def waits(self) -> bool:
        """Tell whether writes wait for anything."""
        return bool(self.replicas or self.local_fsync)

    def commands(self) -> list[tuple[Any, ...]]:
        """Return the commands sent after a write."""
        waits: list[tuple[Any, ...]] = []
        if self.replicas and not self.replica_fsync:
            waits.append(("WAIT", self.replicas, self.timeout_ms))
        if self.local_fsync or self.replica_fsync:
            fsynced_replicas = self.replicas if self.replica_fsync else 0
            waits.append(("WAITAOF", int(self.local_fsync), fsynced_replicas, self.timeout_ms))
        return waits

    def check(self, replies: Sequence[Any]) -> None:
        """Raise ReplicaAcknowledgementMissing unless every reply confirms enough."""
        for command, reply in zip(self.commands(), replies, strict=True):
            if isinstance(reply, Exception):
                self._missing(f"{command[0]} failed: {reply}")
            if command[0] == "WAIT" and int(reply) < self.replicas:
                self._missing(f"{reply} of {self.replicas} replicas confirmed the write "
                              f"within {self.timeout_ms} ms")
            if command[0] == "WAITAOF" and (int(reply[0]) < command[1]
                                            or int(reply[1]) < command[2]):
                self._missing(f"fsynced locally {reply[0]} of {command[1]}, on {reply[1]} of "
                              f"{command[2]} replicas within {self.timeout_ms} ms")

    @staticmethod
    def _missing(reason: str) -> None:
        raise ReplicaAcknowledgementMissing(f"write not acknowledged: {reason}")


class ReplicatedWrites:
    """Send each write with its acknowledgement, on one connection to the node that runs it."""

    def __init__(self, redis: RedisClient, acknowledgement: Acknowledgement) -> None:
        self.redis = redis
        self.acknowledgement = acknowledgement
        if acknowledgement.local_fsync or acknowledgement.replica_fsync:
            require_waitaof(redis)

    def execute(self, key: str, *command: Any) -> Any:
        """Run ``command`` (which writes ``key``) and wait as configured; return its reply."""
        if not self.acknowledgement.waits:
            return self.redis.execute_command(*command)  # type: ignore[no-untyped-call]
        if isinstance(self.redis, RedisCluster):
            return self._on_cluster(self.redis, key, command)
        return self._send(self.redis, command)

    def _send(self, node: Any, command: Sequence[Any], asking: bool = False) -> Any:
        """Pipeline the command and the waits to ``node``; one round trip."""
        pipe = node.pipeline(transaction=False)
        if asking:
            pipe.execute_command("ASKING")
        pipe.execute_command(*command)
        waits = self.acknowledgement.commands()
        for wait in waits:
            pipe.execute_command(*wait)
        replies = pipe.execute(raise_on_error=False)[1 if asking else 0:]
        if isinstance(replies[0], Exception):  # the write's own error, as without a wait:
            raise replies[0]  # NOSCRIPT and MOVED (it did not run), OOM, a script's error
        self.acknowledgement.check(replies[1:])
        return replies[0]

    def _on_cluster(self, cluster: RedisCluster, key: str, command: Sequence[Any]) -> Any:
        """Send to the master of ``key``'s slot, following redirections as redis-py does."""
        node, asking = cluster.get_node_from_key(key), False
        for _ in range(_REDIRECTIONS):
            try:
                return self._send(cluster.get_redis_connection(node), command, asking)
            except MovedError as moved:
                cluster.nodes_manager.move_slot(moved)
                node, asking = cluster.get_node_from_key(key), False
            except AskError as ask:
                node, asking = cluster.get_node(ask.host, ask.port), True
            except TryAgainError:
                time.sleep(0.05)
            except (RedisConnectionError, RedisTimeoutError, ClusterDownError):
                _refresh(cluster)  # so that the next call finds the slot's new master
                raise
        raise ClusterDownError(f"{command[0]} redirected {_REDIRECTIONS} times")


def _refresh(cluster: RedisCluster) -> None:
    """Reload the slot map; while the cluster fails over this may fail, and is tried again."""
    with contextlib.suppress(RedisError):
        cluster.nodes_manager.initialize()


def require_waitaof(redis: RedisClient) -> None:
    """Refuse to start unless every master knows WAITAOF (Redis 7.2 and later)."""
    nodes = ([redis.get_redis_connection(node)
              for node in redis.get_primaries()]
             if isinstance(redis, RedisCluster) else [redis])
    for node in nodes:
        try:
            try:
                node.execute_command("WAITAOF", 0, 0, 0)
            except ResponseError as error:
                version = node.info("server").get("redis_version", "unknown")
                raise ConfigError(
                    "WALLETSVC_REDIS_WAITAOF needs the WAITAOF command (Redis 7.2 or later); "
                    f"the server is Redis {version} ({error})") from None
        except RedisError as error:
            raise ConfigError("WALLETSVC_REDIS_WAITAOF is set, and Redis cannot be asked "
                              f"whether it has WAITAOF: {error}") from None
