"""Redis's memory against its ``maxmemory``, read at scrape time (the same for every worker).

Over ``maxmemory`` Redis refuses every write and GPAS gets 500/1001, so the alerts watch the
headroom left (config/prometheus/walletsvc-alerts.yml) before that happens.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from walletsvc.store.safety import Memory

USED = "walletsvc_redis_memory_used_bytes"
LIMIT = "walletsvc_redis_memory_max_bytes"


class RedisMemory(Collector):
    """Each node's memory Redis weighs against maxmemory, and that maxmemory."""

    def __init__(self, nodes: Mapping[str, Memory]) -> None:
        self._nodes = nodes

    def collect(self) -> Iterator[Metric]:
        """Yield the two gauges, one sample per node."""
        used = GaugeMetricFamily(USED, "Memory Redis counts against maxmemory (used_memory "
                                       "less its replica and AOF buffers), by node.",
                                 labels=["node"])
        limit = GaugeMetricFamily(LIMIT, "maxmemory of the node (0: no limit), by node.",
                                  labels=["node"])
        for node, memory in sorted(self._nodes.items()):
            used.add_metric([node], memory.used)
            limit.add_metric([node], memory.limit)
        yield used
        yield limit
