"""Doubles an operator has dealt with (``ledger_verify_accepted``): the movements that applied
a reference again, corrected by an adjustment of their own and told to GPAS, which verify then
no longer counts. The ledger keeps every entry as it was; only verify's view changes.
"""

from __future__ import annotations

from typing import Any

import psycopg

# Each repeats its index's predicate (migration 0002), so a reference is found through it.
_GPAS = ("SELECT movement_id, wallet_id FROM ledger_entries WHERE parent_system = %s"
         " AND reference = %s AND event IN ('debit', 'credit', 'rollback')")
_ADJUSTMENT = ("SELECT movement_id, wallet_id FROM ledger_entries WHERE wallet_id = %s"
               " AND reference = %s AND event IN ('deposit', 'withdrawal')")
_ACCEPT = ("INSERT INTO ledger_verify_accepted (movement_id, parent_system, wallet_id,"
           " reference, note) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING")


class AcceptRefused(Exception):
    """The movement is not an application of that reference, or none would be left."""


def accepted_ids(conn: psycopg.Connection[tuple[Any, ...]]) -> frozenset[str]:
    """Return the movement ids accepted as dealt-with doubles."""
    rows = conn.execute("SELECT movement_id FROM ledger_verify_accepted").fetchall()
    return frozenset(str(movement_id) for (movement_id,) in rows)


def accept(conn: psycopg.Connection[tuple[Any, ...]], owner: tuple[str | None, str | None],
           reference: str, movement_ids: list[str], note: str) -> None:
    """Accept these applications of a reference as dealt-with doubles.

    ``owner`` is (parent system, None) for a GPAS reference, or (None, wallet) for an operator
    adjustment's. One application must stay unaccepted: the one the reference stands for.
    """
    parent_system, wallet_id = owner
    query, key = (_GPAS, parent_system) if parent_system else (_ADJUSTMENT, wallet_id)
    with conn.transaction():
        applied = dict(conn.execute(query, (key, reference)).fetchall())
        unknown = sorted(set(movement_ids) - applied.keys())
        if unknown:
            raise AcceptRefused(f"not an application of {reference}: {', '.join(unknown)}")
        if not applied.keys() - set(movement_ids) - accepted_ids(conn):
            raise AcceptRefused(f"every application of {reference} would be accepted: one "
                                "must stay, the one the reference stands for")
        for movement_id in movement_ids:
            conn.execute(_ACCEPT, (movement_id, parent_system, applied[movement_id],
                                   reference, note))
