"""/metrics gives each Redis node's memory and maxmemory: what the headroom alerts watch."""

from __future__ import annotations

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from redis.cluster import RedisCluster

from devkit.settings import base_config
from walletsvc import create_app
from walletsvc.store import RedisClient

pytestmark = pytest.mark.realredis
LIMIT = 1 << 30


def masters(store: RedisClient) -> list[redis.Redis]:
    """Return a client of every node walletsvc writes to."""
    if isinstance(store, RedisCluster):
        return [store.get_redis_connection(node) for node in store.get_primaries()]
    return [store]


def scraped(store: RedisClient) -> dict[str, dict[str, float]]:
    """Scrape /metrics; return the two memory gauges' samples by name, then by node."""
    text = create_app(base_config(), redis=store).test_client().get("/metrics").get_data(
        as_text=True)
    found: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("walletsvc_redis_memory_"):
                found.setdefault(sample.name, {})[sample.labels["node"]] = sample.value
    return found


def test_each_nodes_memory_and_maxmemory_are_scraped(real_store: RedisClient) -> None:
    nodes = masters(real_store)
    try:
        for node in nodes:
            node.config_set("maxmemory", LIMIT)
        gauges = scraped(real_store)
    finally:
        for node in nodes:
            node.config_set("maxmemory", 0)
    assert len(gauges["walletsvc_redis_memory_max_bytes"]) == len(nodes)
    assert set(gauges["walletsvc_redis_memory_max_bytes"].values()) == {LIMIT}
    used = gauges["walletsvc_redis_memory_used_bytes"]
    assert used.keys() == gauges["walletsvc_redis_memory_max_bytes"].keys()
    assert all(0 < value < LIMIT for value in used.values())


def test_a_node_without_maxmemory_reports_a_limit_of_zero(real_store: RedisClient) -> None:
    limits = scraped(real_store)["walletsvc_redis_memory_max_bytes"]
    assert len(limits) == len(masters(real_store))
    assert set(limits.values()) == {0}
