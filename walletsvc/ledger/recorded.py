"""Redis against the ledger, reference by reference: what makes a resend refused.

Every reference the ledger holds as applied (debit, credit, rollback, deposit, withdrawal)
within the Redis retention period must still have its record in Redis, under the movement id
the ledger holds: that record is what answers a resend with 1003. A record under another
movement id means Redis applied the reference a second time (it had lost the first); no record
means a resend would be applied again now.

Entries are read from the ledger's recent partitions with a server-side cursor and looked up
in Redis a batch at a time (one pipelined round trip per batch, split per node on a cluster).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import psycopg

from walletsvc.ledger.records import moment
from walletsvc.store import AuditTrail

_BATCH = 2000
# Records expire a retention period after they were written; entries closer than this to
# their expiry are not looked up, so that a record expiring during the run is not reported.
MARGIN_MS = 86_400_000
_APPLIED = """
SELECT wallet_id, parent_system, reference, event, movement_id FROM ledger_entries
WHERE at > %s AND event IN ('debit', 'credit', 'rollback', 'deposit', 'withdrawal')
"""
_ADJUSTMENTS = frozenset({"deposit", "withdrawal"})


@dataclass(frozen=True)
class Unrecorded:
    """A reference the ledger applied whose record in Redis is missing or names another id."""

    wallet_id: str
    parent_system: str | None  # None: an operator adjustment
    reference: str
    event: str
    ledger_movement_id: str | None
    redis_kind: str | None  # None: Redis holds no record
    redis_movement_id: str | None


@dataclass
class Recall:
    """How many entries were looked up, and what differed (counted all, listed up to a limit)."""

    limit: int
    accepted: frozenset[str] = frozenset()
    checked: int = 0
    other_id: int = 0
    missing: int = 0
    listed: list[Unrecorded] = field(default_factory=list)

    def add(self, found: Unrecorded) -> None:
        """Count one difference, and keep it if the list is not full."""
        if found.redis_movement_id is None and found.redis_kind != "tombstone":
            self.missing += 1
        else:
            self.other_id += 1
        if len(self.listed) < self.limit:
            self.listed.append(found)


def recall(audit: AuditTrail, conn: psycopg.Connection[tuple[Any, ...]], now_ms: int,
           retention_ms: int, accepted: frozenset[str] = frozenset(), limit: int = 50
           ) -> Recall:
    """Look up every entry of the retention period in Redis; return what differs, but for
    the movements accepted as dealt-with doubles."""
    result = Recall(limit, accepted)
    since = moment(now_ms - retention_ms + MARGIN_MS)
    with conn.cursor(name="recorded") as cur:
        cur.itersize = _BATCH
        cur.execute(_APPLIED, (since,))
        for batch in _batches(cur):
            result.checked += len(batch)
            _compare(audit, batch, result)
    conn.rollback()
    return result


def _compare(audit: AuditTrail, batch: list[tuple[Any, ...]], result: Recall) -> None:
    # An adjustment's row has no parent system; its record is the wallet's.
    references = [(wallet_id, None if event in _ADJUSTMENTS else parent_system, reference)
                  for wallet_id, parent_system, reference, event, _ in batch]
    recorded = audit.recorded_movements(references)
    for (wallet_id, parent_system, reference), row, (kind, mid) in zip(
            references, batch, recorded, strict=True):
        if mid != row[4] and not {mid, row[4]} & result.accepted:
            result.add(Unrecorded(wallet_id, parent_system, reference, row[3], row[4], kind,
                                  mid))


def _batches(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
