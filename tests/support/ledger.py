"""The app over a Redis and a ledger database, with what the ledger's tests do to both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from flask import Flask

from tests.support.admin import AdminClient
from tests.support.answers import json_of
from tests.support.gpas import GpasClient
from tests.support.settings import FakeClock, base_config
from walletsvc import create_app
from walletsvc.ledger.database import connect
from walletsvc.ledger.exporter import Exporter, ExportSettings, ExportStats
from walletsvc.store import RedisClient


@dataclass
class Bench:
    """The app, its GPAS and admin clients, its clock, its Redis and its ledger."""

    app: Flask
    gpas: GpasClient
    admin: AdminClient
    clock: FakeClock
    redis: RedisClient
    url: str

    def export(self, **settings: Any) -> ExportStats:
        """Export everything waiting, as ``walletsvc ledger export`` does."""
        exporter = Exporter(self.redis, self.url, ExportSettings(**settings))
        try:
            return exporter.export_pending()
        finally:
            exporter.close()

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run a query on the ledger; return its rows."""
        with connect(self.url) as conn:
            return conn.execute(query, params).fetchall()

    def conn(self) -> psycopg.Connection[tuple[Any, ...]]:
        """Open a connection to the ledger."""
        return connect(self.url)


def make_bench(redis: RedisClient, url: str, **overrides: Any) -> Bench:
    """Build the app over ``redis`` with the ledger at ``url``."""
    clock = FakeClock()
    settings = {"ledger_url": url, "session_idle_seconds": 30 * 86_400,
                "session_max_seconds": 60 * 86_400, **overrides}
    app = create_app(base_config(**settings), redis=redis, clock=clock)
    app.testing = True
    client = app.test_client()
    return Bench(app, GpasClient(client), AdminClient(client), clock, redis, url)


def movement_ids(bench: Bench, reference: str) -> list[str]:
    """Return the ledger's movement ids of a reference's applications, oldest first."""
    rows = bench.sql("SELECT movement_id FROM ledger_entries WHERE reference = %s AND event IN"
                     " ('debit', 'credit', 'rollback', 'deposit', 'withdrawal')"
                     " ORDER BY at, shard, entry_ms, entry_seq", reference)
    return [str(mid) for (mid,) in rows]


def replay_after_redis_lost_its_data(bench: Bench, wallet_id: str) -> None:
    """A minute later, empty Redis, create the wallet again with its deposit, and resend
    GPAS's movements."""
    bench.clock.advance(60)
    bench.redis.flushall()
    bench.admin.wallet(real="100", wallet_id=wallet_id)  # the same deposit reference
    session = json_of(bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id)))["id"]
    assert bench.gpas.debit(session, "10", "bet-1").status_code == 200
    assert bench.gpas.credit(session, "4", "win-1").status_code == 200
