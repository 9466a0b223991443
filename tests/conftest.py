"""Fixtures: the app on fakeredis and, unchanged, on real redis-servers of each version."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from redis.cluster import RedisCluster

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.postgres import (
    LocalPostgres,
    PostgresMissing,
    drop_database,
    fresh_database,
    start_with_template,
    stop_and_remove,
)
from devkit.redis import RedisBinary, RedisClusterServers, RedisServer, RedisServers, redis_binaries
from devkit.settings import FakeClock, base_config
from devkit.store import initialise
from tests.ha.load import FIGURES_PROPERTY, summary
from tests.support.store import FakeRedis
from tests.tools import in_ci, unavailable
from walletsvc import create_app
from walletsvc.observability import STORE_LOGGER
from walletsvc.observability.logs import JsonFormatter
from walletsvc.store import RedisClient, connect

# Property tests: the same examples on every run (CI), no deadline on a loaded machine.
# `pytest --hypothesis-profile=explore` searches further with fresh random examples.
settings.register_profile("walletsvc", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", max_examples=5_000, deadline=None)
settings.load_profile("walletsvc")


def pytest_report_header() -> list[str]:
    """Say at the start which redis-server each version runs on, or that one is missing."""
    fate = "fail (CI=true)" if in_ci() else "are skipped"
    return [f"{binary.name}: MISSING, its tests {fate}: {binary.problem}" if binary.problem
            else f"{binary.name}: redis-server {binary.version} at {binary.path} ({binary.origin})"
            for binary in redis_binaries()]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under `make test` (pytest-xdist's --dist loadgroup), fail a test of an xdist_group that
    is not kept with its group: pytest-xdist says the group by a node id suffix that some
    pytest versions drop, and the groups were then silently ignored."""
    if (getattr(item.config.option, "loadgroup", False)  # set in xdist's workers only
            and item.get_closest_marker("xdist_group") and "@" not in item.nodeid):
        pytest.fail("pytest-xdist ignored this test's xdist_group: this pytest and pytest-xdist "
                    "do not work together (see the pytest pin in pyproject.toml)", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say again at the end, with a count, which tests a missing Redis version kept from running."""
    outcome = "failed (CI=true)" if in_ci() else "skipped"
    reports = [report for outcome in ("skipped", "error", "failed")
               for report in terminalreporter.stats.get(outcome, [])]
    for binary in redis_binaries():
        if binary.problem:
            count = sum(binary.problem in str(report.longrepr) for report in reports)
            terminalreporter.write_sep("!", f"{binary.problem}: {count} tests {outcome}",
                                       red=True, bold=True)
    # The replication scenarios' figures (tests/ha), from their reports: under pytest-xdist
    # they ran in other processes.
    figures = [value for reports in terminalreporter.stats.values() for report in reports
               for name, value in getattr(report, "user_properties", ())
               if name == FIGURES_PROPERTY]
    if figures:
        terminalreporter.section("replication figures (sent, acknowledged, lost, outage)")
        for line in figures:
            terminalreporter.write_line(summary(line))


@pytest.fixture(scope="session")
def redis_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServers]:
    """The real servers of the whole run, one single node and one cluster per version."""
    servers = RedisServers(tmp_path_factory.mktemp("redis"))
    yield servers
    servers.stop()


def require(binary: RedisBinary) -> RedisBinary:
    """Return ``binary`` if it can run; else skip the test loudly (fail it under CI)."""
    if binary.problem:
        unavailable(binary.problem)
    return binary


@pytest.fixture(scope="session", params=redis_binaries(), ids=lambda binary: binary.name)
def redis_binary(request: pytest.FixtureRequest) -> RedisBinary:
    """Each Redis version in turn: a test using a real server runs on every one."""
    return require(request.param)


@pytest.fixture(scope="session")
def redis_server(redis_binary: RedisBinary, redis_servers: RedisServers) -> RedisServer:
    """A real redis-server on loopback for the whole run, one per version."""
    return redis_servers.single(redis_binary)


@pytest.fixture(scope="session")
def newest_redis_server(redis_servers: RedisServers) -> RedisServer:
    """The newest Redis version's server this machine has (7.x, which CI must have).

    For tests whose subject is not Redis (nginx, the host install): they run once, not once
    per version; everything that depends on Redis's version takes ``redis_server``.
    """
    binaries = redis_binaries()
    newest = next((binary for binary in reversed(binaries) if not binary.problem), binaries[-1])
    return redis_servers.single(require(newest))


@pytest.fixture(scope="session")
def redis_cluster(redis_binary: RedisBinary, redis_servers: RedisServers) -> RedisClusterServers:
    """A real three-master Redis Cluster on loopback for the whole run, one per version."""
    return redis_servers.cluster(redis_binary)


@contextmanager
def emptied(url: str) -> Iterator[RedisClient]:
    """Connect to ``url`` as production does; empty every master, then ``store init`` it."""
    client = connect(url, socket_timeout=5.0)
    if isinstance(client, RedisCluster):
        client.flushall(target_nodes=RedisCluster.PRIMARIES)
    else:
        client.flushall()
    initialise(client)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def real_redis(redis_server: RedisServer) -> Iterator[RedisClient]:
    """A client of the real server, configured as in production, on an empty database."""
    with emptied(redis_server.url) as client:
        yield client


@pytest.fixture
def cluster_redis(redis_cluster: RedisClusterServers) -> Iterator[RedisClient]:
    """A cluster client, configured as in production, on an empty cluster."""
    with emptied(redis_cluster.url) as client:
        yield client


REAL_STORES = [(kind, binary) for kind in ("redis", "cluster") for binary in redis_binaries()]


def store_id(store: tuple[str, RedisBinary | None]) -> str:
    """Name a store in test ids: fakeredis, redis-6.2, cluster-7.0, ..."""
    kind, binary = store
    return kind if binary is None else f"{kind}-{binary.short_version}"


@contextmanager
def store(kind: str, binary: RedisBinary | None, servers: RedisServers) -> Iterator[RedisClient]:
    """Give an empty store: fakeredis (no binary), or a real single node or cluster of it."""
    if binary is None:
        yield FakeRedis()
        return
    running = servers.single if kind == "redis" else servers.cluster
    with emptied(running(require(binary)).url) as client:
        yield client


@pytest.fixture(params=REAL_STORES, ids=store_id)
def real_store(request: pytest.FixtureRequest, redis_servers: RedisServers
               ) -> Iterator[RedisClient]:
    """An emptied real store: a single node, then a cluster, on every Redis version."""
    kind, binary = request.param
    with store(kind, binary, redis_servers) as client:
        yield client


@pytest.fixture(params=[("fakeredis", None), *REAL_STORES], ids=store_id)
def redis_client(request: pytest.FixtureRequest, redis_servers: RedisServers
                 ) -> Iterator[RedisClient]:
    """The store under test: every API test runs on fakeredis and on every real store."""
    kind, binary = request.param
    with store(kind, binary, redis_servers) as client:
        yield client


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A real PostgreSQL on loopback for the whole run (the ledger's tests); without its
    binaries, a failure under CI, else a loud skip of what needs it."""
    try:
        server = start_with_template()
    except PostgresMissing as exc:
        unavailable(f"PostgreSQL is not available, ledger tests did not run: {exc}")
        raise
    yield server
    stop_and_remove(server)


@pytest.fixture
def ledger_url(postgres: LocalPostgres) -> Iterator[str]:
    """The URL of a fresh database holding the ledger's schema."""
    url = fresh_database(postgres)
    yield url
    drop_database(postgres, url)


@pytest.fixture(scope="session")
def operators_url(postgres: LocalPostgres) -> str:
    """A database with the demo operators (devkit/operators.py) that every app of a test
    process shares for its operators and audit log, unless a test gives its own ledger."""
    return fresh_database(postgres)


@pytest.fixture
def platform_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run as the platform's service account (commands/acting.py)."""
    monkeypatch.setenv("WALLETSVC_OPERATOR_TOKEN", PLATFORM_TOKEN)


@pytest.fixture
def clock() -> FakeClock:
    """A clock the tests move by hand."""
    return FakeClock()


@pytest.fixture
def make_app(redis_client: RedisClient, clock: FakeClock, operators_url: str
             ) -> Callable[..., Flask]:
    """Build an app over the store under test with some settings changed."""

    def build(**overrides: Any) -> Flask:
        overrides.setdefault("ledger_url", operators_url)
        app = create_app(base_config(**overrides), redis=redis_client, clock=clock)
        app.testing = True
        return app

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app with default test settings."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A plain HTTP test client."""
    return app.test_client()


@pytest.fixture
def gpas(client: FlaskClient) -> GpasClient:
    """A client that signs requests as GPAS does."""
    return GpasClient(client)


@pytest.fixture
def admin(client: FlaskClient) -> AdminClient:
    """A client of the admin API."""
    return AdminClient(client)


@pytest.fixture
def catalogue_path(tmp_path: Path) -> Path:
    """A small games catalogue file."""
    path = tmp_path / "games.json"
    path.write_text('{"agt-13": {"name": "Book of Gold", "provider": "AGT"}}')
    return path


class JsonLines(logging.Handler):
    """Collects walletsvc's log records as the JSON objects its formatter writes."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def store_log() -> Iterator[list[dict[str, Any]]]:
    """The store-failure lines (logger ``walletsvc.store``) logged during the test."""
    handler = JsonLines()
    logger = logging.getLogger(STORE_LOGGER)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)
