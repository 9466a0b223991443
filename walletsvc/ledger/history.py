"""A wallet's balances at a past moment, read from the ledger (the support console's history,
docs/console.md).

Every money movement's row carries the balances right after it (``real_after``,
``bonus_after``): the balance at a moment is that of the last movement at or before it, one
row read backwards on the index (wallet_id, at). The ledger holds what its exporter has
written, seconds behind the store: ``as_of`` says when it last wrote this wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from walletsvc.errors import ResourceNotFound
from walletsvc.ledger.records import MONEY_EVENTS

_MONEY = sorted(MONEY_EVENTS)
_WALLET = ("SELECT currency, created_at, updated_at FROM ledger_wallets"
           " WHERE wallet_id = %s")
# Rows of one wallet share a shard, so its outbox id orders movements of the same millisecond.
_LAST = """
SELECT at, event, reference, session_id, movement_id, real_after, bonus_after
FROM ledger_entries
WHERE wallet_id = %s AND at <= %s AND event = ANY(%s)
ORDER BY at DESC, entry_ms DESC, entry_seq DESC
LIMIT 1
"""


@dataclass(frozen=True)
class Movement:
    """The money movement that set a balance."""

    at: datetime
    event: str
    reference: str | None
    session_id: str | None
    movement_id: str | None


@dataclass(frozen=True)
class PastBalance:
    """A wallet's balances (minor units) right after its last movement at or before ``at``.

    ``existed`` is False when the wallet was created after ``at`` (balances are then 0);
    ``movement`` is None when no movement came before ``at`` (the wallet still held 0).
    """

    wallet_id: str
    currency: str
    at: datetime
    existed: bool
    created_at: datetime | None
    real: int
    bonus: int
    movement: Movement | None
    as_of: datetime  # when the exporter last wrote this wallet's rows


def balance_at(conn: psycopg.Connection[Any], wallet_id: str, at: datetime) -> PastBalance:
    """Return the wallet's balances at ``at``, as the ledger holds them."""
    wallet = conn.execute(_WALLET, (wallet_id,)).fetchone()
    if wallet is None:
        raise ResourceNotFound("no such wallet in the ledger (yet)")
    currency, created_at, as_of = wallet
    if created_at is not None and created_at > at:
        return PastBalance(wallet_id, currency, at, False, created_at, 0, 0, None, as_of)
    row = conn.execute(_LAST, (wallet_id, at, _MONEY)).fetchone()
    if row is None:
        return PastBalance(wallet_id, currency, at, True, created_at, 0, 0, None, as_of)
    moved, event, reference, session_id, movement_id, real, bonus = row
    return PastBalance(wallet_id, currency, at, True, created_at, real, bonus,
                       Movement(moved, event, reference, session_id, movement_id), as_of)
