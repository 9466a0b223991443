"""A wallet with a long history, written straight into the ledger by one SQL statement.

A statement's size is the subject of the reports' tests and benchmark, not how the entries got
there: 300,000 movements through the service would take minutes, one ``INSERT ... SELECT
generate_series`` takes seconds.
"""

from __future__ import annotations

from datetime import date, timedelta

from walletsvc.ledger.database import Partitions, connect, months_between
from walletsvc.ledger.records import day_start

# Entries alternate a credit of 2.00 and a debit of 1.00 (BRL), from an empty wallet: REAL
# after entry n (from 0) is 1.00 per pair done, plus the 2.00 of a credit not yet bet.
_INSERT = """
INSERT INTO ledger_entries (at, shard, entry_ms, entry_seq, event, wallet_id, parent_system,
    session_id, movement_id, reference, type_code, currency, amount, real_delta, bonus_delta,
    real_after, bonus_after, game_id, provider_code, description, player_id, fields)
SELECT %(start)s::timestamptz + (n::bigint * %(step_ms)s) * interval '1 millisecond', %(shard)s,
    n, 0, kind, %(wallet)s, 'SEED01', 'seed-session', 'm-' || n, 'ref-' || n,
    CASE kind WHEN 'debit' THEN 'GAME_DEBIT' ELSE 'GAME_CREDIT' END, 'BRL',
    CASE kind WHEN 'debit' THEN 100 ELSE 200 END,
    CASE kind WHEN 'debit' THEN -100 ELSE 200 END, 0,
    (n / 2) * 100 + CASE kind WHEN 'credit' THEN 200 ELSE 100 END, 0,
    'agt-13', 'AGT', 'seeded movement ' || n, 'seed-player', '{}'
FROM generate_series(0, %(entries)s - 1) AS n,
    LATERAL (SELECT CASE n %% 2 WHEN 0 THEN 'credit' ELSE 'debit' END AS kind) AS k
"""
_WALLET = """
INSERT INTO ledger_wallets (wallet_id, shard, player_id, currency, created_at, real, bonus,
    entries)
VALUES (%s, %s, 'seed-player', 'BRL', %s, %s, 0, %s)
"""


def seed_statement(url: str, wallet_id: str, entries: int, first: date, days: int) -> int:
    """Write ``entries`` alternating debits and credits of ``wallet_id`` spread evenly over
    ``days`` days from ``first``; return REAL at the end, in minor units."""
    start = day_start(first)
    step_ms = days * 86_400_000 // entries
    real = (entries // 2) * 100 + (200 if entries % 2 else 0)
    with connect(url) as conn:
        Partitions(conn).ensure(set(months_between(first, first + timedelta(days=days))))
        conn.execute(_INSERT, {"start": start, "step_ms": step_ms, "shard": "00",
                               "wallet": wallet_id, "entries": entries})
        conn.execute(_WALLET, (wallet_id, "00", start, real, entries))
        conn.execute("ANALYZE ledger_entries")
    return real
