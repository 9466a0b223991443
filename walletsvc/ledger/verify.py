"""``ledger verify``: every wallet in Redis against the ledger, balances and flags.

Run once the exporter has caught up: a wallet that moved since its last export differs until
its entries are in. Differences are checked again for up to ``wait_s`` while the outbox still
holds entries, so a verify under light traffic does not report what is merely in flight.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import psycopg

from walletsvc.ledger.outbox import Backlog, Outbox
from walletsvc.store import RedisClient

_BATCH = 1000
_MONEY = ["debit", "credit", "rollback", "deposit", "withdrawal"]


@dataclass(frozen=True)
class Difference:
    """One way a wallet differs between Redis and the ledger."""

    wallet_id: str
    what: str
    redis: str
    ledger: str


@dataclass(frozen=True)
class Verdict:
    """What verify found: wallets compared, differences, and the outbox backlog at the end."""

    wallets: int
    differences: list[Difference]
    backlog: Backlog


def _state(real: object, bonus: object, blocked: object, currency: object) -> dict[str, str]:
    return {"real": str(real), "bonus": str(bonus), "blocked": str(blocked),
            "currency": str(currency)}


def redis_wallets(redis: RedisClient) -> dict[str, dict[str, str]]:
    """Return every wallet's balances, blocked flag and currency as Redis holds them."""
    found: dict[str, dict[str, str]] = {}
    for chunk in _chunks(redis.scan_iter(match="w:*", count=1000)):
        pipe = redis.pipeline(transaction=False)
        for key in chunk:
            pipe.hmget(key, "real", "bonus", "blocked", "currency")
        for key, (real, bonus, blocked, currency) in zip(chunk, pipe.execute(), strict=True):
            found[key.split(":", 2)[2]] = _state(real, bonus, blocked == "1", currency)
    return found


def ledger_wallets(conn: psycopg.Connection[tuple[Any, ...]]) -> dict[str, dict[str, str]]:
    """Return every wallet's running balances, blocked flag and currency in the ledger."""
    rows = conn.execute("SELECT wallet_id, real, bonus, blocked, currency FROM ledger_wallets")
    return {row[0]: _state(*row[1:]) for row in rows}


def last_balances(conn: psycopg.Connection[tuple[Any, ...]]) -> dict[str, dict[str, str]]:
    """Return each wallet's balances after its latest money entry still in the ledger."""
    rows = conn.execute(
        "SELECT DISTINCT ON (wallet_id) wallet_id, real_after, bonus_after FROM ledger_entries"
        " WHERE event = ANY(%s) ORDER BY wallet_id, entry_ms DESC, entry_seq DESC", (_MONEY,))
    return {row[0]: {"real": str(row[1]), "bonus": str(row[2])} for row in rows}


def compare(in_redis: dict[str, dict[str, str]], in_ledger: dict[str, dict[str, str]],
            after_last: dict[str, dict[str, str]]) -> list[Difference]:
    """List every difference between the two, and in the ledger's own running balances."""
    found = []
    for wallet_id in sorted(in_redis.keys() | in_ledger.keys()):
        mine, theirs = in_redis.get(wallet_id), in_ledger.get(wallet_id)
        if mine is None or theirs is None:
            where = "Redis" if mine is None else "the ledger"
            found.append(Difference(wallet_id, f"missing in {where}", str(mine), str(theirs)))
            continue
        found += [Difference(wallet_id, name, mine[name], theirs[name])
                  for name in ("real", "bonus", "blocked", "currency")
                  if mine[name] != theirs[name]]
        last = after_last.get(wallet_id)
        found += [Difference(wallet_id, f"{name} after the last entry", mine[name], last[name])
                  for name in ("real", "bonus") if last and last[name] != theirs[name]]
    return found


def verify(redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]],
           wait_s: float = 10.0) -> Verdict:
    """Compare every wallet; look again while differences remain and entries are in flight."""
    outbox = Outbox(redis)
    deadline = time.monotonic() + wait_s
    while True:
        in_redis = redis_wallets(redis)
        differences = compare(in_redis, ledger_wallets(conn), last_balances(conn))
        conn.rollback()  # the next look sees what committed since
        backlog = outbox.backlog()
        if not differences or not backlog.pending or time.monotonic() > deadline:
            return Verdict(len(in_redis), differences, backlog)
        time.sleep(0.5)


def _chunks(items: Iterator[Any]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(cast(str, item))
        if len(chunk) == _BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
