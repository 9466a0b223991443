"""Request ids, one JSON log line per request, and Prometheus metrics."""

from __future__ import annotations

import logging
import os
import re
import time

from flask import Flask, Response, g, request

from walletsvc.observability import logs, metrics

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


STORE_LOGGER = "walletsvc.store"


def record_store_failure(kind: str, error: str, outcome: str, traceback: bool = False) -> None:
    """Log one line naming a store failure and what came of it, and count it by kind."""
    metrics.observe_store_failure(kind)
    logging.getLogger(STORE_LOGGER).warning(
        "store failure", exc_info=traceback,
        extra={"fields": {"kind": kind, "error": error, "outcome": outcome}})


def init_app(app: Flask) -> None:
    """Give every request an id, then log and count it once it is answered."""
    logs.configure()
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.environ.get("HTTP_X_REQUEST_ID", "")
    g.request_id = offered if _REQUEST_ID.fullmatch(offered) else os.urandom(16).hex()


def _finish(response: Response) -> Response:
    elapsed = time.perf_counter() - g.get("started", time.perf_counter())
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    code = g.get("gpas_code", 0)
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    metrics.observe_request(endpoint, code, response.status_code, elapsed)
    logs.request_line(
        request_id=g.get("request_id", ""),
        method=request.method,
        endpoint=endpoint,
        status=response.status_code,
        code=code,
        client=request.remote_addr,
        parent_system=g.get("parent_system"),
        wallet_session=request.args.get("walletSessionId") or request.args.get("id"),
        latency_ms=round(elapsed * 1000, 2),
    )
    return response
