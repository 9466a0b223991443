"""Prometheus metrics, optionally behind a bearer token."""

from __future__ import annotations

from flask import Blueprint, Response

from walletsvc.api.auth import require_bearer
from walletsvc.observability import metrics
from walletsvc.services import services

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape() -> Response:
    """Expose request, movement and open-session metrics in the Prometheus text format."""
    token = services().config.metrics_token
    if token:
        require_bearer(token)
    open_sessions = services().store.open_sessions(services().clock())
    return Response(metrics.exposition(open_sessions), mimetype=metrics.CONTENT_TYPE)
