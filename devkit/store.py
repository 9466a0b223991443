"""A store as a new installation leaves it, and what its audit streams say was applied: for the
tests and the benchmark."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any, TypeVar, cast

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
