"""Redis that keeps money safe: the memory policy, writes Redis refuses, and a health report.

A Redis that may evict keys can drop the record that makes a reference known, and a resent bet
would then be applied twice. walletsvc moves money only while every node it writes to (each
master on a cluster) reports ``maxmemory_policy:noeviction`` in ``INFO``, which managed Redis
offerings answer even where they forbid ``CONFIG``. The policy is read again at the first write
after ``POLICY_CHECK_SECONDS``, so a policy changed while running stops writes within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.cluster import RedisCluster
from redis.exceptions import (
    ConnectionError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TimeoutError,
)

from walletsvc.store.client import RedisClient
from walletsvc.store.sentinel import PrimaryDemoted

POLICY_CHECK_SECONDS = 5.0
SAFE_POLICY = "noeviction"

# What Redis says when it refuses a write: redis-py's class for a plain command's reply, the
# error code inside a script's error.
_REFUSAL_CLASSES: dict[type[RedisError], str] = {
    OutOfMemoryError: "out_of_memory", ReadOnlyError: "read_only", PrimaryDemoted: "read_only"}
_REFUSED_WRITES = {
    "OOM command not allowed": "out_of_memory",
    "READONLY": "read_only",
    "MISCONF": "misconf",
}


class UnsafeStore(RedisError):
    """The store could lose or double money (an evicting memory policy): no write is sent."""

    kind = "eviction_policy"


def failure_kind(exc: RedisError) -> str:
    """Name the kind of a store failure, for its log line and metric (``other`` if unknown)."""
    refused = refused_write(exc)  # first: a demoted primary's refusal closes its connection
    if refused is not None:
        return refused
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError):
        return "unreachable"
    return str(getattr(exc, "kind", "other"))


def refused_write(exc: RedisError) -> str | None:
    """Return the kind of a write Redis refused (nothing was written), or None."""
    if isinstance(exc, UnsafeStore):
        return exc.kind
    for refusal, kind in _REFUSAL_CLASSES.items():
        if isinstance(exc, refusal):
            return kind
    if not isinstance(exc, ResponseError):
        return None
    text = str(exc)
    return next((kind for marker, kind in _REFUSED_WRITES.items() if marker in text), None)


def _per_node(redis: RedisClient, section: str | None = None) -> dict[str, dict[str, Any]]:
    """Return ``INFO`` of every node walletsvc writes to: the server, or each cluster master."""
    if isinstance(redis, RedisCluster):
        replies: dict[str, dict[str, Any]] = redis.info(section,
                                                        target_nodes=RedisCluster.PRIMARIES)
        return replies
    return {"redis": redis.info(section)}


@dataclass(frozen=True)
class Memory:
    """One node's memory as Redis weighs it against ``maxmemory`` (``limit`` 0: no limit)."""

    used: int
    limit: int


def counted_memory(info: dict[str, Any]) -> int:
    """Return the memory Redis compares with maxmemory (its buffers for replicas and AOF aside)."""
    return int(info.get("used_memory", 0)) - int(info.get("mem_not_counted_for_evict", 0))


def memory(redis: RedisClient) -> dict[str, Memory]:
    """Return the memory of every node walletsvc writes to, by node (as ``health`` names them)."""
    return {node: Memory(counted_memory(info), int(info.get("maxmemory", 0)))
            for node, info in _per_node(redis, "memory").items()}


def _answering(redis: RedisClient) -> dict[str, dict[str, Any]]:
    """Return ``INFO`` of every node walletsvc can write to now.

    A cluster master that does not answer (one failing over) is left out: no write reaches it
    until it answers, and the next read covers it. Reading it anyway would fail every write,
    the other masters' too, for as long as it is down.
    """
    if not isinstance(redis, RedisCluster):
        return _per_node(redis)
    found: dict[str, dict[str, Any]] = {}
    for node in redis.get_primaries():
        try:
            found[node.name] = redis.get_redis_connection(node).info()
        except (ConnectionError, TimeoutError):
            continue
    return found


def problems(info: dict[str, Any], replicas: int = 0) -> list[str]:
    """Return what makes one node unfit to move money, each with the setting and the fix.

    ``replicas``: how many replicas every write waits for (WALLETSVC_REDIS_MIN_REPLICAS).
    """
    found = []
    policy = info.get("maxmemory_policy")
    if policy != SAFE_POLICY:
        found.append(f"maxmemory-policy is {policy}: Redis may evict wallet keys and a resent "
                     f"movement could apply twice; set maxmemory-policy {SAFE_POLICY}")
    if int(info.get("maxmemory", 0)) and counted_memory(info) > int(info["maxmemory"]):
        found.append("out of memory: used memory is over maxmemory, Redis refuses writes; "
                     "raise maxmemory or free memory")
    if info.get("role") not in (None, "master"):
        found.append("connected to a replica, which refuses writes; point walletsvc at the "
                     "primary (or use Sentinel)")
    if "err" in (info.get("rdb_last_bgsave_status"), info.get("aof_last_write_status")):
        found.append("persistence is failing (MISCONF): Redis may refuse writes until it can "
                     "write to disk again; check its disk and log")
    online = _online_replicas(info)
    if replicas and info.get("role") == "master" and online < replicas:
        found.append(f"{online} of {replicas} replicas online: writes wait for "
                     f"{replicas} (WALLETSVC_REDIS_MIN_REPLICAS) and answer 500 until one is "
                     "back; check the replica and its link to the primary")
    return found


def _online_replicas(info: dict[str, Any]) -> int:
    """Count the replicas INFO shows in sync (slave0, slave1, ...: state=online)."""
    return sum(1 for name, value in info.items()
               if name.startswith("slave") and name[5:].isdigit() and isinstance(value, dict)
               and value.get("state") == "online")


def health(redis: RedisClient, replicas: int = 0) -> list[str]:
    """Return every node's problems, prefixed by the node where there are several."""
    nodes = _per_node(redis)
    return [problem if len(nodes) == 1 else f"{node}: {problem}"
            for node, info in nodes.items() for problem in problems(info, replicas)]


@dataclass
class PolicyGuard:
    """Refuse writes while any node's memory policy may evict, reading it at most every few s."""

    redis: RedisClient
    clock: Callable[[], float] = time.monotonic  # seconds
    interval: float = POLICY_CHECK_SECONDS
    _checked_at: float | None = None
    _unsafe: str | None = None

    def check(self) -> None:
        """Raise UnsafeStore if a node may evict keys; read the policy again when it is due."""
        now = self.clock()
        # Read again when due, and whenever the clock went back (a wall clock can).
        if self._checked_at is None or not 0 <= now - self._checked_at < self.interval:
            self._unsafe = self._read()
            self._checked_at = now
        if self._unsafe:
            raise UnsafeStore(self._unsafe)

    def _read(self) -> str | None:
        for node, info in _answering(self.redis).items():
            policy = info.get("maxmemory_policy")
            if policy != SAFE_POLICY:
                return (f"{node} has maxmemory-policy {policy}; walletsvc moves money only "
                        f"with maxmemory-policy {SAFE_POLICY}")
        return None
