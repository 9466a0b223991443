"""The ledger's lag, read from the outboxes at scrape time (the same for every worker)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from walletsvc.ledger.outbox import Backlog

LAG = "walletsvc_ledger_lag_seconds"
PENDING = "walletsvc_ledger_pending_entries"


class LedgerBacklog(Collector):
    """How far PostgreSQL is behind Redis: the oldest waiting entry's age, and the count."""

    def __init__(self, backlog: Backlog) -> None:
        self._backlog = backlog

    def collect(self) -> Iterator[Metric]:
        """Yield the two gauges."""
        yield GaugeMetricFamily(LAG, "Age of the oldest change not yet committed to the ledger "
                                     "(0 when none waits).", self._backlog.lag_seconds())
        yield GaugeMetricFamily(PENDING, "Changes waiting in the outboxes for the ledger.",
                                self._backlog.pending)
