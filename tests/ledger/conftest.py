"""Fixtures of the ledger's tests: the app over real Redis with a fresh ledger database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ledger import Bench, make_bench
from walletsvc.store import RedisClient

pytestmark = pytest.mark.realredis


@pytest.fixture(params=["redis-server", "redis-cluster"])
def any_redis(request: pytest.FixtureRequest) -> RedisClient:
    """A real Redis: one node, then a cluster."""
    client: RedisClient = request.getfixturevalue(
        "real_redis" if request.param == "redis-server" else "cluster_redis")
    return client


@pytest.fixture
def bench(real_redis: RedisClient, ledger_url: str) -> Iterator[Bench]:
    """The app over a real redis-server and a fresh ledger."""
    yield make_bench(real_redis, ledger_url)


@pytest.fixture
def any_bench(any_redis: RedisClient, ledger_url: str) -> Iterator[Bench]:
    """The app over one node, then over a cluster, with a fresh ledger."""
    yield make_bench(any_redis, ledger_url)


@pytest.fixture
def unused_url() -> str:
    """A PostgreSQL URL where nothing listens."""
    from tests.redis_server import free_port

    return f"postgresql://postgres:x@127.0.0.1:{free_port()}/walletsvc"
