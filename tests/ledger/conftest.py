"""Fixtures of the ledger's tests: the app over real Redis with a fresh ledger database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.ledger import Bench, make_bench
from walletsvc.store import RedisClient

pytestmark = pytest.mark.realredis


@pytest.fixture
def bench(real_redis: RedisClient, ledger_url: str) -> Iterator[Bench]:
    """The app over a real redis-server and a fresh ledger."""
    yield make_bench(real_redis, ledger_url)


@pytest.fixture
def any_bench(real_store: RedisClient, ledger_url: str) -> Iterator[Bench]:
    """The app over one node, then over a cluster, on every Redis version, with a ledger."""
    yield make_bench(real_store, ledger_url)


@pytest.fixture
def unused_url() -> str:
    """A PostgreSQL URL where nothing listens."""
    from tests.redis_server import free_port

    return f"postgresql://postgres:x@127.0.0.1:{free_port()}/walletsvc"
