"""Fixtures: the app on fakeredis and, unchanged, on a real redis-server the suite starts."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from redis.cluster import RedisCluster

from tests.helpers import AdminClient, FakeClock, FakeRedis, GpasClient, base_config
from tests.postgres_server import drop_database, fresh_database, start_postgres, stop_postgres
from tests.redis_server import RedisClusterServers, RedisServer
from walletsvc import create_app
from walletsvc.ledger.localdb import LocalPostgres
from walletsvc.observability import STORE_LOGGER
from walletsvc.observability.logs import JsonFormatter
from walletsvc.store import RedisClient, connect

# Property tests: the same examples on every run (CI), no deadline on a loaded machine.
# `pytest --hypothesis-profile=explore` searches further with fresh random examples.
settings.register_profile("walletsvc", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", max_examples=5_000, deadline=None)
settings.load_profile("walletsvc")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on loopback for the whole run."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def real_redis(redis_server: RedisServer) -> Iterator[RedisClient]:
    """A client of the real server, configured as in production, on an empty database."""
    client = connect(redis_server.url, socket_timeout=5.0)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServers]:
    """A real three-master Redis Cluster on loopback for the whole run."""
    cluster = RedisClusterServers(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def cluster_redis(redis_cluster: RedisClusterServers) -> Iterator[RedisClient]:
    """A cluster client, configured as in production, on an empty cluster."""
    client = connect(redis_cluster.url, socket_timeout=5.0)
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    yield client
    client.close()


@pytest.fixture(params=["fakeredis", "redis-server", "redis-cluster"])
def redis_client(request: pytest.FixtureRequest) -> RedisClient:
    """The store under test: every API test runs on all three."""
    if request.param == "fakeredis":
        return FakeRedis()
    name = "real_redis" if request.param == "redis-server" else "cluster_redis"
    client: RedisClient = request.getfixturevalue(name)
    return client


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """A real PostgreSQL on loopback for the whole run (the ledger's tests)."""
    server = start_postgres()
    yield server
    stop_postgres(server)


@pytest.fixture
def ledger_url(postgres: LocalPostgres) -> Iterator[str]:
    """The URL of a fresh database holding the ledger's schema."""
    url = fresh_database(postgres)
    yield url
    drop_database(postgres, url)


@pytest.fixture
def clock() -> FakeClock:
    """A clock the tests move by hand."""
    return FakeClock()


@pytest.fixture
def make_app(redis_client: RedisClient, clock: FakeClock) -> Callable[..., Flask]:
    """Build an app over the store under test with some settings changed."""

    def build(**overrides: Any) -> Flask:
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
