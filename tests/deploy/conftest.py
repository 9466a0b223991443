"""Fixtures: a host installed by scripts/install-host.sh with its ledger made as the guide says,
its services started from their units."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devkit import operators
from devkit.nginx import GPAS, HOST
from devkit.postgres import LocalPostgres
from devkit.redis import RedisServer, free_port
from tests.deploy.host import (
    ROOT,
    Host,
    RunningUnit,
    install,
    launch_unit,
    make_root,
    run_walletsvc,
)
from tests.proxy.conftest import make_nginx, nginx_binary, pki
from tests.tools import require_program, require_root
from walletsvc.ledger.database import migrations

__all__ = ["make_nginx", "nginx_binary", "pki"]  # the proxy's fixtures, used here too


GUIDE = ROOT / "docs" / "deployment.md"
LEDGER_MARKER = "<!-- tests/deploy/conftest.py runs the next block as it is written -->"
LEDGER_DATABASE = "walletsvc_host"  # the server already has a `walletsvc` of the suite's


def guide_ledger_statements() -> list[str]:
    """Return the SQL statements the guide gives for the ledger's role and database."""
    after = GUIDE.read_text().split(LEDGER_MARKER, 1)[1]
    match = re.match(r"\s*```sql\n(.*?)```", after, re.S)
    assert match, "the marked block is not an sql block"
    return [statement.strip() for statement in match[1].split(";") if statement.strip()]


def create_ledger(postgres: LocalPostgres) -> str:
    """Create the ledger's role and database with the guide's statements, as psql would run
    them one by one; return the URL the service is given."""
    password = secrets.token_urlsafe(32)  # made as the guide says
    statements = guide_ledger_statements()
    assert len(statements) == 2 and "<ledger password>" in statements[0]
    with psycopg.connect(postgres.url("postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.replace("<ledger password>", password)
                         .replace("DATABASE walletsvc ", f"DATABASE {LEDGER_DATABASE} ").encode())
    return f"postgresql://walletsvc:{password}@127.0.0.1:{postgres.port}/{LEDGER_DATABASE}"


@pytest.fixture(scope="session")
def host(newest_redis_server: RedisServer, postgres: LocalPostgres) -> Iterator[Host]:
    """A root tree installed as the guide installs a host, its ledger made and its settings
    filled in."""
    require_root("scripts/install-host.sh (useradd, chown)")
    require_program("useradd", "passwd")
    root = make_root()
    try:
        installed = install(root)
        installed.fill_in_settings(newest_redis_server.url, create_ledger(postgres),
                                   f"{HOST},{GPAS}")
        # The guide's steps before the first start: the ledger's schema, then mark the new
        # store ready.
        applied = json.loads(run_walletsvc(installed, "ledger", "migrate"))["applied"]
        assert applied == [migration.version for migration in migrations()] and applied
        run_walletsvc(installed, "store", "init")
        # The operators: a host's first comes from `walletsvc operators bootstrap`
        # (docs/operators.md); this one's are the demo operators, whose tokens the tests hold.
        with psycopg.connect(str(installed.settings().ledger_url)) as conn:
            operators.seed(conn)
        yield installed
    finally:
        shutil.rmtree(root, ignore_errors=True)


def start_unit(host: Host, name: str, log: Path, **ours: str) -> RunningUnit:
    """Run the installed gunicorn unit ``name`` as it says (``launch_unit``); ``ours`` sets its
    address (the port given) and workers. Return once it is ready."""
    port = free_port()
    process = launch_unit(host, name, log,
                          {key: value.format(port=port) for key, value in ours.items()})
    running = RunningUnit(process, port, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if running.get("/readyz") == 200:
                return running
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()  # a unit that did not start leaves nothing running behind the test
            process.wait(timeout=30)
            raise RuntimeError(f"the installed {name} did not start: {log.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def unit(host: Host, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUnit]:
    """The installed GPAS service, run as walletsvc/walletsvc.service says."""
    running = start_unit(host, "walletsvc.service",
                         tmp_path_factory.mktemp("unit") / "walletsvc.log",
                         WALLETSVC_BIND="127.0.0.1:{port}", WALLETSVC_WORKERS="2")
    yield running
    running.process.terminate()
    running.process.wait(timeout=30)


@pytest.fixture(scope="module")
def operator_unit(host: Host, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[RunningUnit]:
    """The installed operator service, run as walletsvc-operator.service says."""
    running = start_unit(host, "walletsvc-operator.service",
                         tmp_path_factory.mktemp("unit") / "walletsvc-operator.log",
                         WALLETSVC_OPERATOR_BIND="127.0.0.1:{port}",
                         WALLETSVC_OPERATOR_WORKERS="1")
    yield running
    running.process.terminate()
    running.process.wait(timeout=90)
