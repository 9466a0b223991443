"""A ledger made large without sending every movement through the service."""

from __future__ import annotations

from walletsvc.ledger.database import connect
from walletsvc.ledger.records import COLUMNS


def copy_movements(ledger_url: str, copies: int) -> None:
    """Add ``copies`` copies of every movement in the ledger, each a movement of its own: its
    wallet, shard and time kept, its reference, movement id and stream id new (the sequence
    part moved past the originals'). A ledger large enough to measure or interrupt a restore,
    without sending every movement through the service."""
    columns = [c for c in COLUMNS if c != "exported_at"]
    changed = {"entry_seq": "entry_seq + n * 1000000", "movement_id": "movement_id || '~' || n",
               "reference": "reference || '~' || n",
               "fields": "(fields::jsonb || jsonb_build_object('ref', (fields->>'ref') || '~' ||"
                         " n, 'mid', (fields->>'mid') || '~' || n))::json"}
    select = ", ".join(changed.get(column, column) for column in columns)
    with connect(ledger_url) as conn:
        conn.execute(f"INSERT INTO ledger_entries ({', '.join(columns)})"  # noqa: S608
                     f" SELECT {select} FROM ledger_entries, generate_series(1, %s) AS n"
                     " WHERE event IN ('debit', 'credit', 'deposit', 'withdrawal')", (copies,))
