"""Prometheus metrics, summed across gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "walletsvc_requests", "Answered requests by endpoint, GPAS code (0: OK) and HTTP status.",
    ["endpoint", "code", "status"])
LATENCY = Histogram(
    "walletsvc_request_seconds",
    "Time to answer a request, by endpoint, GPAS code and HTTP status.",
    ["endpoint", "code", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
MOVEMENTS = Counter("walletsvc_movements", "Applied movements by kind and currency.",
                    ["kind", "currency"])
AMOUNTS = Counter("walletsvc_movement_amount_minor_units",
                  "Sum of applied movement amounts, in minor units, by kind and currency.",
                  ["kind", "currency"])
STORE_FAILURES = Counter(
    "walletsvc_store_failures",
    "Redis calls that failed, by kind: out_of_memory, read_only, misconf, unreachable, "
    "timeout, eviction_policy, replicas, not_ready, other.", ["kind"])
SHED = Counter(
    "walletsvc_requests_shed",
    "Requests refused with 503 OVERLOADED before they touched Redis, by reason: admission "
    "(the worker's in-flight limit), redis_pool (no Redis connection came free in time).",
    ["reason"])
CONTENT_TYPE = CONTENT_TYPE_LATEST
_COLLECTORS = (REQUESTS, LATENCY, MOVEMENTS, AMOUNTS, STORE_FAILURES, SHED)
_IN_FLIGHT: list[Gauge] = []
_IN_FLIGHT_MADE = threading.Lock()


def in_flight() -> Gauge:
    """Return the gauge of requests being served, past admission, summed over live workers
    (health, readiness and metrics, never shed, are not counted).

    Made at first use, not at import: a gauge without labels writes its multiprocess file as
    soon as it is made, and a command that imports walletsvc (with PROMETHEUS_MULTIPROC_DIR set
    before gunicorn has made that folder) serves no request. Made under a lock: the operator's
    threads reach their first request together, and a second registration would fail.
    """
    if not _IN_FLIGHT:
        with _IN_FLIGHT_MADE:
            if not _IN_FLIGHT:
                _IN_FLIGHT.append(Gauge("walletsvc_requests_in_flight",
                                        "Requests being served now, past admission.",
                                        multiprocess_mode="livesum"))
    return _IN_FLIGHT[0]


def observe_request(endpoint: str, code: int, status: int, seconds: float) -> None:
    """Count an answered request and its latency."""
    requests, latency = _request_series(endpoint, code, status)
    requests.inc()
    latency.observe(seconds)


def observe_movement(kind: str, currency: str, amount: int) -> None:
    """Count an applied movement and its amount."""
    movements, amounts = _movement_series(kind, currency)
    movements.inc()
    amounts.inc(amount)


def observe_store_failure(kind: str) -> None:
    """Count a failed Redis call."""
    STORE_FAILURES.labels(kind).inc()


def observe_shed(reason: str) -> None:
    """Count a request refused for overload."""
    SHED.labels(reason).inc()


# The labelled series, looked up once per label set rather than on every request (the label
# sets are few: endpoints, GPAS codes and statuses, movement kinds and currencies).
@cache
def _request_series(endpoint: str, code: int, status: int) -> tuple[Counter, Histogram]:
    labels = (endpoint, str(code), str(status))
    return REQUESTS.labels(*labels), LATENCY.labels(*labels)


@cache
def _movement_series(kind: str, currency: str) -> tuple[Counter, Counter]:
    return MOVEMENTS.labels(kind, currency), AMOUNTS.labels(kind, currency)


class StoreGauges(Collector):
    """Gauges read from Redis at scrape time (the same for every worker).

    ``walletsvc_ready`` is the /readyz verdict; a gauge Redis could not give (it is down) is
    left out rather than reported as a number it does not have.
    """

    def __init__(self, ready: bool, open_sessions: int | None) -> None:
        self._ready = ready
        self._open_sessions = open_sessions

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges."""
        yield GaugeMetricFamily("walletsvc_ready", "1 when /readyz answers 200, else 0.",
                                1 if self._ready else 0)
        if self._open_sessions is not None:
            yield GaugeMetricFamily("walletsvc_open_sessions", "Sessions live now.",
                                    self._open_sessions)


def exposition(ready: bool, open_sessions: int | None, *gauges: Collector) -> bytes:
    """Return the text exposition of every metric, across workers when in multiprocess mode,
    with the gauges read at scrape time."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (*_COLLECTORS, in_flight()):
            registry.register(collector)
    registry.register(StoreGauges(ready, open_sessions))
    for gauge in gauges:
        registry.register(gauge)
    return generate_latest(registry)


class FenceGauges(Collector):
    """The shards by the state of their marker (store/fence.py), read at scrape time."""

    def __init__(self, ready: int, restoring: int, missing: int) -> None:
        self._counts = {"ready": ready, "restoring": restoring, "missing": missing}

    def collect(self) -> Iterator[Metric]:
        """Yield one gauge labelled by state."""
        family = GaugeMetricFamily(
            "walletsvc_store_shards",
            "Shards by their marker: ready (moves money), restoring, missing (data lost or "
            "store not initialised).", labels=["state"])
        for state, count in self._counts.items():
            family.add_metric([state], count)
        yield family
