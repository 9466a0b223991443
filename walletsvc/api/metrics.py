"""Prometheus metrics, optionally behind a bearer token; served even while Redis is down, and
however loaded the worker is."""

from __future__ import annotations

import contextlib

from flask import Blueprint, Response
from redis.exceptions import RedisError

from walletsvc.admission import unshed
from walletsvc.api.auth import require_bearer
from walletsvc.api.health import readiness
from walletsvc.ledger.metrics import LedgerBacklog
from walletsvc.ledger.outbox import Outbox
from walletsvc.observability import metrics
from walletsvc.services import services

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@unshed
def scrape() -> Response:
    """Expose request, movement, store, session and ledger-lag metrics (Prometheus text)."""
    token = services().config.metrics_token
    if token:
        require_bearer(token)
    state, _ = readiness()
    open_sessions: int | None = None
    gauges = []
    # Redis down, or gone between the reads: the gauges are left out, the rest is served.
    with contextlib.suppress(RedisError):
        if state != "unreachable":
            open_sessions = services().audit.open_sessions(services().clock())
            gauges.append(LedgerBacklog(Outbox(services().store.redis).backlog()))
    return Response(metrics.exposition(state == "ok", open_sessions, *gauges),
                    mimetype=metrics.CONTENT_TYPE)
