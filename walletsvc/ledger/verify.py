"""``ledger verify``: Redis against the ledger, wallet by wallet and reference by reference.

Four checks, each of which must find nothing:

- balances: every wallet's balances, blocked flag and currency in Redis equal the ledger's,
  and the ledger's running balances equal its last entries (this module);
- doubled references: no reference applied twice within the retention period, in the ledger
  alone (``doubled``);
- recorded references: every reference the ledger applied within the retention period is
  still recorded by Redis, under the same movement id (``recorded``);
- the reconciliation summary: the recent days' rows equal the sums of their entries, read in
  one snapshot (``summary``).

A double an operator has dealt with is accepted (``accepted``) and no longer counted.

Run it under traffic if need be: a wallet that moved since its last export differs until its
entries are in, so the wallets that differ are looked at again, alone (each read close in time
to its ledger row), for up to ``wait_s`` while the outbox still holds entries.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import sql

from walletsvc.ledger.accepted import accepted_ids
from walletsvc.ledger.doubled import Doubled, doubled_references
from walletsvc.ledger.recorded import Recall, recall
from walletsvc.ledger.records import moment
from walletsvc.ledger.summary import SummaryCheck, check_summary
from walletsvc.store import AuditTrail, RedisClient
from walletsvc.store.outbox import Backlog, Outbox

_MONEY = ["debit", "credit", "rollback", "deposit", "withdrawal"]
# A year: each day checked is its entries summed again.
MAX_SUMMARY_DAYS = 366


@dataclass(frozen=True)
class Difference:
    """One way a wallet differs between Redis and the ledger."""

    wallet_id: str
    what: str
    redis: str
    ledger: str


@dataclass(frozen=True)
class Verdict:
    """What verify found: wallets compared, differences, doubled references, the references
    Redis does not record as the ledger does, the outbox backlog at the end, and the summary
    rows that differ from their entries."""

    wallets: int
    differences: list[Difference]
    backlog: Backlog
    doubled: list[Doubled]
    recall: Recall
    summary: SummaryCheck

    @property
    def clean(self) -> bool:
        """Tell whether every check found nothing."""
        return not (self.differences or self.doubled or self.recall.missing
                    or self.recall.other_id or self.summary.differing)


def _state(real: object, bonus: object, blocked: object, currency: object) -> dict[str, str]:
    return {"real": str(real), "bonus": str(bonus), "blocked": str(blocked),
            "currency": str(currency)}


def _only(wallet_ids: list[str] | None) -> tuple[sql.SQL, list[list[str]]]:
    """Return the condition, and its parameters, that keeps these wallets (all if None)."""
    if wallet_ids is None:
        return sql.SQL("true"), []
    return sql.SQL("wallet_id = ANY(%s)"), [wallet_ids]


def ledger_wallets(conn: psycopg.Connection[tuple[Any, ...]],
                   wallet_ids: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Return the running balances, blocked flag and currency of every wallet (or these)."""
    where, params = _only(wallet_ids)
    rows = conn.execute(sql.SQL("SELECT wallet_id, real, bonus, blocked, currency"
                                " FROM ledger_wallets WHERE {}").format(where), params)
    return {row[0]: _state(*row[1:]) for row in rows}


def last_balances(conn: psycopg.Connection[tuple[Any, ...]],
                  wallet_ids: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Return each wallet's (or these') balances after its latest money entry still kept."""
    where, params = _only(wallet_ids)
    rows = conn.execute(sql.SQL(
        "SELECT DISTINCT ON (wallet_id) wallet_id, real_after, bonus_after FROM ledger_entries"
        " WHERE event = ANY(%s) AND {} ORDER BY wallet_id, entry_ms DESC, entry_seq DESC"
    ).format(where), [_MONEY, *params])
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


def _look(redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]],
          wallet_ids: list[str] | None) -> tuple[int, list[Difference], Backlog]:
    # Redis, then the backlog, then the ledger: with no entry waiting after the Redis read,
    # the ledger read that follows holds every change Redis had.
    in_redis = {wallet_id: _state(*state) for wallet_id, state
                in AuditTrail(redis).wallet_states(wallet_ids).items()}
    backlog = Outbox(redis).backlog()
    differences = compare(in_redis, ledger_wallets(conn, wallet_ids),
                          last_balances(conn, wallet_ids))
    conn.rollback()  # the next look sees what committed since
    return len(in_redis), differences, backlog


def balances(redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]],
             wait_s: float) -> tuple[int, list[Difference], Backlog]:
    """Compare every wallet, then again the wallets that differ while entries are in flight."""
    deadline = time.monotonic() + wait_s
    wallets, differences, backlog = _look(redis, conn, None)
    while differences:
        suspects = sorted({difference.wallet_id for difference in differences})
        _, differences, backlog = _look(redis, conn, suspects)
        if not differences or not backlog.pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return wallets, differences, backlog


def verify(redis: RedisClient, conn: psycopg.Connection[tuple[Any, ...]], *, now_ms: int,
           retention_ms: int, wait_s: float = 10.0, summary_days: int = 2) -> Verdict:
    """Run every check: balances, doubled references, references as Redis records them, and
    the summary of the last ``summary_days`` UTC days (today included)."""
    if not 1 <= summary_days <= MAX_SUMMARY_DAYS:
        raise ValueError(f"summary days must be 1 to {MAX_SUMMARY_DAYS}")
    wallets, differences, backlog = balances(redis, conn, wait_s)
    audit, accepted = AuditTrail(redis), accepted_ids(conn)
    doubled = [_with_redis(audit, found)
               for found in doubled_references(conn, retention_ms, accepted)]
    today = moment(now_ms).date()
    return Verdict(wallets, differences, backlog, doubled,
                   recall(audit, conn, now_ms, retention_ms, accepted),
                   check_summary(conn, today - timedelta(days=summary_days - 1), today))


def _with_redis(audit: AuditTrail, doubled: Doubled) -> Doubled:
    """Add the movement id Redis records for the reference on each wallet involved."""
    recorded = audit.recorded_movements([(wallet_id, doubled.parent_system, doubled.reference)
                                         for wallet_id in doubled.wallets])
    return replace(doubled, in_redis=tuple(mid for _, mid in recorded))
