"""Prometheus metrics, optionally behind a bearer token."""

from __future__ import annotations

from flask import Blueprint, Response

from walletsvc.api.auth import require_bearer
from walletsvc.ledger.metrics import LedgerBacklog
from walletsvc.ledger.outbox import Outbox
from walletsvc.observability import metrics
from walletsvc.services import services

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """Expose request, movement, open-session and ledger-lag metrics (Prometheus text)."""
    token = services().config.metrics_token
    if token:
        require_bearer(token)
    store = services().store
    open_sessions = store.open_sessions(services().clock())
    backlog = LedgerBacklog(Outbox(store.redis).backlog())
    return Response(metrics.exposition(open_sessions, backlog), mimetype=metrics.CONTENT_TYPE)
