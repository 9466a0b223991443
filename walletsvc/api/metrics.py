"""Prometheus metrics, optionally behind a bearer token; served even while Redis or the ledger
is down, and however loaded the worker is."""

from __future__ import annotations

import contextlib

import psycopg
from flask import Blueprint, Response, current_app
from prometheus_client.registry import Collector
from redis.exceptions import RedisError

from walletsvc.admission import unshed
from walletsvc.api.auth import require_bearer
from walletsvc.api.health import readiness
from walletsvc.ledger.database import LedgerUnreachable
from walletsvc.ledger.metrics import LedgerBacklog, VerifyOutcome
from walletsvc.ledger.verify_runs import scrape as scrape_verify
from walletsvc.observability import metrics
from walletsvc.services import services
from walletsvc.store.metrics import RedisMemory
from walletsvc.store.outbox import Outbox

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@unshed
def scrape() -> Response:
    """Expose request, movement, store, session, Redis memory, ledger lag and verify metrics."""
    token = services().config.metrics_token
    if token:
        require_bearer(token)
    state, _ = readiness()
    open_sessions: int | None = None
    gauges: list[Collector] = []
    # Redis down, or gone between the reads: the gauges are left out, the rest is served.
    with contextlib.suppress(RedisError):
        if state != "unreachable":
            open_sessions = services().audit.open_sessions(services().clock())
            shards = services().store.fence()
            gauges.append(metrics.FenceGauges(len(shards.ready), len(shards.restoring),
                                              len(shards.missing)))
            gauges.append(RedisMemory(services().store.memory()))
            gauges.append(LedgerBacklog(Outbox(services().store.redis).backlog()))
    if "operator" in current_app.config["WALLETSVC_SERVES"]:  # GPAS's never opens PostgreSQL
        gauges += _verify_gauges(services().config.ledger_url)
    # content_type, not mimetype: Flask would add a second charset to the one it names.
    return Response(metrics.exposition(state == "ok", open_sessions, *gauges),
                    content_type=metrics.CONTENT_TYPE)


def _verify_gauges(ledger_url: str | None) -> list[Collector]:
    """Return verify's gauges; none while the ledger is unset, down or without its schema (an
    alert watches for their absence)."""
    with contextlib.suppress(psycopg.Error, LedgerUnreachable):
        if ledger_url:
            return [VerifyOutcome(scrape_verify(ledger_url))]
    return []
