"""Request ids, one JSON log line per request, and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import re
import time

from flask import Flask, Response, g

from walletsvc.context import current_request
from walletsvc.observability import logs, metrics

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


STORE_LOGGER = "walletsvc.store"
OVERLOAD_LOGGER = "walletsvc.overload"


def record_store_failure(kind: str, error: str, outcome: str, traceback: bool = False) -> None:
    """Log one line naming a store failure and what came of it, and count it by kind."""
    metrics.observe_store_failure(kind)
    logging.getLogger(STORE_LOGGER).warning(
        "store failure", exc_info=traceback,
        extra={"fields": {"kind": kind, "error": error, "outcome": outcome}})


def record_overload(reason: str, **fields: object) -> None:
    """Log one line for a request refused for overload (never a store failure), and count it."""
    metrics.observe_shed(reason)
    logging.getLogger(OVERLOAD_LOGGER).warning(
        "overload", extra={"fields": {"reason": reason, **fields}})


def init_app(app: Flask) -> None:
    """Give every request an id, then log and count it once it is answered."""
    logs.configure()
    app.before_request(_start)
    app.after_request(_finish)


# Each hook takes the request and ``g`` behind Flask's proxies once: every access through a
# proxy looks the context up again, and these run on every request.

def _start() -> None:
    state = g._get_current_object()
    state.started = time.perf_counter()
    offered = current_request().environ.get("HTTP_X_REQUEST_ID", "")
    state.request_id = offered if _REQUEST_ID.fullmatch(offered) else os.urandom(16).hex()


def _finish(response: Response) -> Response:
    state = g._get_current_object()
    asked = current_request()
    elapsed = time.perf_counter() - state.get("started", time.perf_counter())
    endpoint = asked.url_rule.rule if asked.url_rule else "unmatched"
    code, request_id = state.get("gpas_code", 0), state.get("request_id", "")
    response.headers[REQUEST_ID_HEADER] = request_id
    metrics.observe_request(endpoint, code, response.status_code, elapsed)
    args = asked.args
    logs.request_line(
        request_id=request_id,
        method=asked.method,
        endpoint=endpoint,
        status=response.status_code,
        code=code,
        client=asked.remote_addr,
        parent_system=state.get("parent_system"),
        wallet_session=args.get("walletSessionId") or args.get("id"),
        latency_ms=round(elapsed * 1000, 2),
    )
    return response
