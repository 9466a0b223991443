"""Fixtures of the ledger's tests: the app over real Redis with a fresh ledger database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.cluster import RedisCluster

from tests.support.ledger import Bench, Exporters, make_bench
from tests.support.service import Service
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
    from devkit.redis import free_port

    return f"postgresql://postgres:x@127.0.0.1:{free_port()}/walletsvc"


@pytest.fixture
def redis_url(real_store: RedisClient) -> str:
    """The URL of an emptied real store: one node, then a cluster, on every Redis version."""
    if isinstance(real_store, RedisCluster):
        node = real_store.get_default_node()
        return f"redis+cluster://{node.host}:{node.port}"
    kwargs = real_store.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/0"


@pytest.fixture
def stack(redis_url: str, ledger_url: str, tmp_path: Path) -> Iterator[dict[str, Any]]:
    service = Service(redis_url, tmp_path / "gunicorn.log", ledger_url, workers=3).start()
    exporters = Exporters(service.env, tmp_path / "exporter.log")
    try:
        yield {"service": service, "exporters": exporters, "redis_url": redis_url}
    finally:
        exporters.stop()
        service.stop()
