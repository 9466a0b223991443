"""``walletsvc store init|status``: mark a new store's shards ready (store/fence.py), never a
lost one; show the shards by state.

Nothing marks a store by itself: a Redis that comes back empty stays fenced until a person
runs this (a new installation) or ``walletsvc ledger restore`` (a store that held wallets).
With the ledger configured, init refuses a shard where the ledger knows wallets that Redis
lacks; without it, init refuses a store where some shards are marked and others are not (part
of it lost its data, and nothing says what it held).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import click
import psycopg
from flask.cli import with_appcontext

from walletsvc.commands.output import echo_json
from walletsvc.ledger.database import LedgerUnreachable, connect, migrate
from walletsvc.ledger.restore import holding
from walletsvc.services import services
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


@click.group("store")
def store() -> None:
    """The Redis store's fence (its shards' markers): init and status."""


@store.command("init")
@with_appcontext
def store_init() -> None:
    """Mark a new store ready to move money; refuse one that lost its data (restore it)."""
    found = services()
    try:
        with contextlib.ExitStack() as stack:
            conn = (stack.enter_context(connect(found.config.ledger_url))
                    if found.config.ledger_url else None)
            if conn is not None:
                migrate(conn)  # a new ledger gets its tables before init reads them
            result = initialise(found.store, conn, found.clock())
    except (InitRefused, LedgerUnreachable) as exc:
        raise click.ClickException(str(exc)) from None
    echo_json({"store": result.identity, "shardsMarked": len(result.marked)})


@store.command("status")
@with_appcontext
def store_status() -> None:
    """Show the shards by marker state and what keeps the store from moving money."""
    state = services().store.fence()
    echo_json({"store": sorted(state.identities), "ready": len(state.ready),
           "restoring": len(state.restoring), "missing": len(state.missing),
           "problems": state.problems()})
    if not state.whole:
        raise SystemExit(1)
