"""A real PostgreSQL on loopback for the suite (the pgserver wheel's binaries, walletsvc's
own launcher), and fresh migrated databases on it."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.redis_server import free_port
from walletsvc.ledger.database import migrate
from walletsvc.ledger.localdb import LocalPostgres, PostgresMissing

TEMPLATE = "walletsvc_template"


def start_postgres() -> LocalPostgres:
    """Start a server in a temporary folder the unprivileged user can reach (when root).

    Without binaries: a failure under CI, else a loud skip of what needs PostgreSQL.
    """
    directory = Path(tempfile.mkdtemp(prefix="walletsvc-test-pg-"))
    directory.chmod(0o755)
    try:
        server = LocalPostgres(directory / "data", free_port(), "test-password", fsync=False)
    except PostgresMissing as exc:
        shutil.rmtree(directory, ignore_errors=True)
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL is not available, ledger tests did not run: {exc}")
    server.start()
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
    with psycopg.connect(server.url(TEMPLATE)) as conn:
        migrate(conn)
    return server


def stop_postgres(server: LocalPostgres) -> None:
    """Stop the server and remove its folder."""
    server.stop()
    shutil.rmtree(server.data_dir.parent, ignore_errors=True)


def fresh_database(server: LocalPostgres) -> str:
    """Create a database with the ledger's schema; return its URL."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return server.url(name)


def drop_database(server: LocalPostgres, url: str) -> None:
    """Drop a database made by fresh_database."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server.url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
