"""References the ledger holds as applied more than once: money moved twice for one request.

A GPAS reference is unique per parent system across all wallets, a rollback's own reference
included (docs/gpas-contract.md, "Idempotency and replays"); an operator adjustment's
reference is unique per wallet. Each is unique for the Redis retention period only: after it,
Redis has forgotten the reference and may accept it again, so two applications at least that
far apart are not a double.

PostgreSQL does the grouping (``GROUP BY ... HAVING count(*) > 1`` over the partial indexes of
migration 0002); Python reads only the rows of references found more than once. Applications
an operator accepted as dealt-with doubles (``accepted``) are left out.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import psycopg

from walletsvc.ledger.records import ONE_MS

# Each statement repeats its index's predicate word for word, so the planner can use it. The
# rows of each doubled reference are fetched by a lateral subquery, so through the same index,
# one reference at a time, rather than by a second pass over the whole table.
_GPAS = """
WITH doubled AS (
    SELECT parent_system, reference FROM ledger_entries
    WHERE event IN ('debit', 'credit', 'rollback')
    GROUP BY parent_system, reference HAVING count(*) > 1)
SELECT d.parent_system, d.reference, e.*
FROM doubled d CROSS JOIN LATERAL (
    SELECT wallet_id, event, movement_id, amount, currency, at FROM ledger_entries
    WHERE parent_system = d.parent_system AND reference = d.reference
    AND event IN ('debit', 'credit', 'rollback')
    ORDER BY at, shard, entry_ms, entry_seq) e
ORDER BY d.parent_system, d.reference
"""
_ADJUSTMENTS = """
WITH doubled AS (
    SELECT wallet_id, reference FROM ledger_entries
    WHERE event IN ('deposit', 'withdrawal')
    GROUP BY wallet_id, reference HAVING count(*) > 1)
SELECT NULL, d.reference, e.*
FROM doubled d CROSS JOIN LATERAL (
    SELECT wallet_id, event, movement_id, amount, currency, at FROM ledger_entries
    WHERE wallet_id = d.wallet_id AND reference = d.reference
    AND event IN ('deposit', 'withdrawal')
    ORDER BY at, shard, entry_ms, entry_seq) e
ORDER BY d.wallet_id, d.reference
"""


@dataclass(frozen=True)
class Application:
    """One ledger entry that applied a reference."""

    wallet_id: str
    event: str
    movement_id: str | None
    amount: int | None
    currency: str | None
    at: datetime


@dataclass(frozen=True)
class Doubled:
    """A reference applied more than once within the retention period.

    ``parent_system`` is None for an operator adjustment (its reference belongs to the wallet).
    ``in_redis`` is the movement id Redis records for it on each wallet involved (None where it
    records none), filled in by the caller that asks Redis.
    """

    parent_system: str | None
    reference: str
    applications: tuple[Application, ...]
    in_redis: tuple[str | None, ...] = ()

    @property
    def wallets(self) -> list[str]:
        """Return the wallets the applications moved, each once, in order."""
        return list(dict.fromkeys(a.wallet_id for a in self.applications))


def doubled_references(conn: psycopg.Connection[tuple[Any, ...]], retention_ms: int,
                       accepted: frozenset[str] = frozenset()) -> list[Doubled]:
    """Return every GPAS and adjustment reference applied twice within ``retention_ms``,
    leaving out the applications an operator accepted as dealt-with doubles."""
    window = retention_ms * ONE_MS
    found = []
    for query in (_GPAS, _ADJUSTMENTS):
        # A server-side cursor: after a mass resend the doubled rows may be many.
        with conn.cursor(name="doubled") as cur:
            cur.itersize = 2000
            cur.execute(query)
            kept = (_without(doubled, accepted) for doubled in _groups(cur))
            found += [doubled for doubled in kept
                      if len(doubled.applications) > 1 and _within(doubled, window)]
    conn.rollback()
    return found


def _groups(rows: Iterator[tuple[Any, ...]]) -> Iterator[Doubled]:
    keyed = itertools.groupby(rows, key=lambda row: (row[0], row[2] if row[0] is None else "",
                                                     row[1]))
    for (parent_system, _, reference), group in keyed:
        applications = tuple(Application(*row[2:]) for row in group)
        yield Doubled(parent_system, reference, applications)


def _without(doubled: Doubled, accepted: frozenset[str]) -> Doubled:
    return replace(doubled, applications=tuple(
        a for a in doubled.applications if a.movement_id not in accepted))


def _within(doubled: Doubled, window: timedelta) -> bool:
    times = [a.at for a in doubled.applications]
    return any(later - earlier < window for earlier, later in itertools.pairwise(times))
