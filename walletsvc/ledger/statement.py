"""A wallet's statement, read from one snapshot and streamed from a server-side cursor.

A year of a busy wallet is hundreds of thousands of rows. They are fetched from a named
(server-side) cursor a batch at a time and handed on as they come, so what a statement holds in
memory is one batch, whatever its length. Every read runs in one REPEATABLE READ transaction:
the balances and the lines come from the same snapshot while the exporter goes on inserting.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from walletsvc.errors import ResourceNotFound
from walletsvc.ledger.records import MONEY_EVENTS

# Rows per round trip to PostgreSQL: a few hundred kilobytes held at a time, few round trips.
BATCH_ROWS = 2_000
_MONEY = sorted(MONEY_EVENTS)
_WALLET = "SELECT player_id, currency, real, bonus FROM ledger_wallets WHERE wallet_id = %s"
# What moved since the start and since the end: the balances now, less these, are the
# opening and closing balances, exact whatever old partitions were dropped. The same scan
# counts the statement's lines, so a reader can be told how many there are before reading them.
_SINCE = """
SELECT coalesce(sum(real_delta), 0), coalesce(sum(bonus_delta), 0),
       coalesce(sum(real_delta) FILTER (WHERE at >= %(end)s), 0),
       coalesce(sum(bonus_delta) FILTER (WHERE at >= %(end)s), 0),
       count(*) FILTER (WHERE at < %(end)s)
FROM ledger_entries WHERE wallet_id = %(wallet)s AND at >= %(start)s AND event = ANY(%(money)s)
"""
_LINES = """
SELECT at, event, reference, reverses, type_code, amount, real_delta, bonus_delta, real_after,
       bonus_after, session_id, game_id, description, movement_id
FROM ledger_entries
WHERE wallet_id = %(wallet)s AND at >= %(start)s AND at < %(end)s AND event = ANY(%(money)s)
ORDER BY at, entry_ms, entry_seq
"""


@dataclass(frozen=True)
class StatementLine:
    """One money movement of a statement (amounts in minor units)."""

    at: datetime
    event: str
    reference: str | None
    reverses: str | None
    type_code: str | None
    amount: int
    real: int
    bonus: int
    real_after: int
    bonus_after: int
    session_id: str | None
    game_id: str | None
    description: str | None
    movement_id: str | None


@dataclass(frozen=True)
class Statement:
    """A wallet's balances before and after a date range, and its movements between.

    ``lines`` is read from the database as it is iterated: once, and only while the
    connection that made the statement is open (closing it early closes its cursor).
    """

    wallet_id: str
    player_id: str | None
    currency: str
    date_from: date
    date_to: date
    opening: tuple[int, int]
    closing: tuple[int, int]
    lines: Generator[StatementLine, None, None]
    count: int  # how many lines ``lines`` gives


def read_statement(conn: psycopg.Connection[tuple[Any, ...]], wallet_id: str,
                   days: tuple[date, date], bounds: tuple[datetime, datetime]) -> Statement:
    """Read the balances now; return the statement whose lines stream from a cursor."""
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    wallet = conn.execute(_WALLET, (wallet_id,)).fetchone()
    if wallet is None:
        raise ResourceNotFound("no such wallet in the ledger")
    player, currency, real_now, bonus_now = wallet
    params = {"wallet": wallet_id, "start": bounds[0], "end": bounds[1], "money": _MONEY}
    since = conn.execute(_SINCE, params).fetchone()
    assert since is not None  # an aggregate always answers one row
    real_start, bonus_start, real_end, bonus_end, count = since
    return Statement(wallet_id, player, currency, *days,
                     (real_now - real_start, bonus_now - bonus_start),
                     (real_now - real_end, bonus_now - bonus_end), _lines(conn, params), count)


def _lines(conn: psycopg.Connection[tuple[Any, ...]], params: dict[str, Any]
           ) -> Generator[StatementLine, None, None]:
    # Inside the snapshot's transaction: the cursor lives until it ends.
    with conn.cursor(name="statement_lines") as cursor:
        cursor.itersize = BATCH_ROWS
        cursor.execute(_LINES, params)
        for row in cursor:
            yield StatementLine(*row)
