"""Prometheus metrics, summed across gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter("walletsvc_requests", "Answered requests by endpoint and GPAS code (0: OK).",
                   ["endpoint", "code"])
LATENCY = Histogram(
    "walletsvc_request_seconds", "Time to answer a request, by endpoint and GPAS code.",
    ["endpoint", "code"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
MOVEMENTS = Counter("walletsvc_movements", "Applied movements by kind and currency.",
                    ["kind", "currency"])
AMOUNTS = Counter("walletsvc_movement_amount_minor_units",
                  "Sum of applied movement amounts, in minor units, by kind and currency.",
                  ["kind", "currency"])
STORE_FAILURES = Counter("walletsvc_store_failures", "Failed store calls by kind of failure.",
                         ["kind"])
CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_request(endpoint: str, code: int, seconds: float) -> None:
    """Count an answered request and its latency."""
    requests, latency = _request_series(endpoint, code)
    requests.inc()
    latency.observe(seconds)


def observe_movement(kind: str, currency: str, amount: int) -> None:
    """Count an applied movement and its amount."""
    movements, amounts = _movement_series(kind, currency)
    movements.inc()
    amounts.inc(amount)


def observe_store_failure(kind: str) -> None:
    """Count a store call that failed, by kind (``replicas``: too few confirmed a write)."""
    STORE_FAILURES.labels(kind).inc()


# The labelled series, looked up once per label set rather than on every request (the label
# sets are few: endpoints and GPAS codes, movement kinds and currencies).
@cache
def _request_series(endpoint: str, code: int) -> tuple[Counter, Histogram]:
    return REQUESTS.labels(endpoint, str(code)), LATENCY.labels(endpoint, str(code))


@cache
def _movement_series(kind: str, currency: str) -> tuple[Counter, Counter]:
    return MOVEMENTS.labels(kind, currency), AMOUNTS.labels(kind, currency)


class OpenSessions(Collector):
    """The open-session gauge, read from Redis at scrape time (the same for every worker)."""

    def __init__(self, count: int) -> None:
        self._count = count

    def collect(self) -> Iterator[Metric]:
        """Yield the gauge."""
        yield GaugeMetricFamily("walletsvc_open_sessions", "Sessions live now.", self._count)


def exposition(open_sessions: int) -> bytes:
    """Return the text exposition of every metric, across workers when in multiprocess mode."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUESTS, LATENCY, MOVEMENTS, AMOUNTS, STORE_FAILURES):
            registry.register(collector)
    registry.register(OpenSessions(open_sessions))
    return generate_latest(registry)
