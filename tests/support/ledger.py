"""The app over a Redis and a ledger database, with what the ledger's tests do to both."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import psycopg
from flask import Flask

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from devkit.store import initialise
from tests.support.service import ROOT
from walletsvc import create_app
from walletsvc.ledger.database import connect
from walletsvc.ledger.exporter import Exporter, ExportSettings, ExportStats
from walletsvc.services import EXTENSION, Services
from walletsvc.store import RedisClient, WalletStore

WALLETSVC = str(Path(sys.executable).parent / "walletsvc")


class Exporters:
    """``walletsvc ledger export --follow`` processes, started and killed by the test."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                [WALLETSVC, "ledger", "export", "--follow",
                 "--per-shard", "5", "--claim-idle", "1"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                process.wait(30)


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

    @property
    def store(self) -> WalletStore:
        """The app's store."""
        return cast(Services, self.app.extensions[EXTENSION]).store

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
    GPAS's movements.

    The store fence refuses all of it on an emptied store, so the store is marked ready as if
    by hand: what the shipped code did before the fence, and what verify must still find in a
    ledger that holds such doubles."""
    bench.clock.advance(60)
    bench.redis.flushall()
    initialise(bench.redis)
    bench.admin.wallet(real="100", wallet_id=wallet_id)  # the same deposit reference
    session = json_of(bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id)))["id"]
    assert bench.gpas.debit(session, "10", "bet-1").status_code == 200
    assert bench.gpas.credit(session, "4", "win-1").status_code == 200
