"""``walletsvc store init``: mark a new store's shards ready (store/fence.py), never a lost one.

Nothing marks a store by itself: a Redis that comes back empty stays fenced until a person
runs this (a new installation) or ``walletsvc ledger restore`` (a store that held wallets).
With the ledger configured, init refuses a shard where the ledger knows wallets that Redis
lacks; without it, init refuses a store where some shards are marked and others are not (part
of it lost its data, and nothing says what it held).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from walletsvc.ledger.restore import holding
from walletsvc.store import WalletStore
from walletsvc.store.fence import READY, new_identity


class InitRefused(Exception):
    """The store lost data, or is being restored: init would let it move money as it is."""


@dataclass(frozen=True)
class InitResult:
    """The store's identity and the shards this init marked (none: it was initialised)."""

    identity: str
    marked: list[str]


def initialise(store: WalletStore, conn: psycopg.Connection[tuple[Any, ...]] | None,
               now_ms: int) -> InitResult:
    """Mark every shard without a marker ready, unless that would hide lost data."""
    fence = store.fence()
    if fence.restoring:
        raise InitRefused(f"{len(fence.restoring)} shards are being restored: finish with "
                          "`walletsvc ledger restore` (run it again to resume)")
    if conn is not None:
        lost = [shard for shard, held in holding(store, conn, fence.missing).items()
                if not held]
        if lost:
            raise InitRefused(
                f"the ledger knows wallets in {len(lost)} shards that Redis does not hold "
                f"(e.g. {', '.join(lost[:3])}): this store lost its data; rebuild it with "
                "`walletsvc ledger restore` (docs/runbooks/store-lost-data.md)")
    elif fence.ready and fence.missing:
        raise InitRefused(
            f"{len(fence.missing)} shards have no marker while the others do: they lost their "
            "data, and without the ledger (WALLETSVC_LEDGER_URL) walletsvc cannot rebuild them "
            "(docs/runbooks/store-lost-data.md)")
    identity = min(fence.identities) if fence.identities else new_identity()
    store.mark_shards(fence.missing, READY, identity, now_ms)
    return InitResult(identity, fence.missing)
