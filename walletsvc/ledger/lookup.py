"""Finding wallets in the ledger by what a person knows of them: the player's id, or a
movement's reference (the support console's search, docs/console.md).

Redis keeps neither index; the ledger has both, as of its last export (seconds behind).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

FOUND_AT_MOST = 20


@dataclass(frozen=True)
class Found:
    """A wallet found, and the session of the movement that led to it (if any)."""

    wallet_id: str
    session_id: str | None = None


def wallets_of_player(conn: psycopg.Connection[Any], player_id: str) -> list[Found]:
    """Return the wallets of ``player_id``, oldest first."""
    rows = conn.execute(
        "SELECT wallet_id FROM ledger_wallets WHERE player_id = %s "
        "ORDER BY created_at, wallet_id LIMIT %s", (player_id, FOUND_AT_MOST)).fetchall()
    return [Found(str(wallet_id)) for (wallet_id,) in rows]


def movements_of_reference(conn: psycopg.Connection[Any], parent_systems: Iterable[str],
                           reference: str) -> list[Found]:
    """Return the wallets (and sessions) of the movements with this reference: GPAS's, of any
    parent system configured, and the operator's adjustments (no parent system)."""
    # Two lookups, each on its partial index (migrations 0002 and 0007), whose conditions the
    # queries repeat word for word so that PostgreSQL may use them: an OR of both would scan.
    rows = conn.execute(
        "(SELECT wallet_id, session_id, at FROM ledger_entries"
        " WHERE parent_system = ANY(%s) AND reference = %s"
        " AND event IN ('debit', 'credit', 'rollback'))"
        " UNION ALL "
        "(SELECT wallet_id, session_id, at FROM ledger_entries"
        " WHERE parent_system IS NULL AND reference = %s)"
        " ORDER BY at LIMIT %s",
        (list(parent_systems), reference, reference, FOUND_AT_MOST)).fetchall()
    found: dict[tuple[str, str | None], Found] = {}
    for wallet_id, session_id, _ in rows:
        found.setdefault((wallet_id, session_id), Found(str(wallet_id), session_id))
    return list(found.values())
