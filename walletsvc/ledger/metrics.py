"""The ledger's lag, read from the outboxes, and verify's outcome, read from the ledger: both at
scrape time, so the same for every worker."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from walletsvc.ledger.verify_runs import Outcome
from walletsvc.store.outbox import Backlog

LAG = "walletsvc_ledger_lag_seconds"
PENDING = "walletsvc_ledger_pending_entries"
VERIFY_SUCCESS = "walletsvc_ledger_verify_last_success_timestamp_seconds"
VERIFY_FAILED = "walletsvc_ledger_verify_failed"


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


class VerifyOutcome(Collector):
    """When ``ledger verify`` last found nothing, and whether its latest run found something."""

    def __init__(self, outcome: Outcome) -> None:
        self._outcome = outcome

    def collect(self) -> Iterator[Metric]:
        """Yield the two gauges."""
        yield GaugeMetricFamily(VERIFY_SUCCESS, "When ledger verify last completed and found "
                                "nothing (Unix time; 0: never).", self._outcome.last_success_s)
        yield GaugeMetricFamily(VERIFY_FAILED, "1 when the latest ledger verify run found a "
                                "difference or a doubled reference, or could not finish.",
                                int(self._outcome.failed))
