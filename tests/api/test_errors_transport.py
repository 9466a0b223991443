"""Unknown paths, wrong methods, big bodies, failures: GPAS errors (404, 405, 413, 500), no HTML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
import redis
from flask import Flask
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import PARENT_ID
from tests.support.answers import assert_refused
from tests.support.calls import (
    ENDPOINTS,
    SIGNATURE_FAULTS,
    Call,
    Live,
    endpoint_call,
    good,
    movement,
    send,
)
from walletsvc.services import EXTENSION, Services
from walletsvc.store import RedisClient


def assert_not_html(response: TestResponse) -> None:
    text = response.get_data(as_text=True)
    assert "<" not in text
    assert "html" not in text.lower()


@pytest.mark.parametrize("path", ["/", "/nope", "/movements/bet", "/movements/debit/x",
                                  "/sessions/open", "/wallets/balance/extra", "/wallet/balance"])
@pytest.mark.parametrize("signed", [True, False])
def test_unknown_path_answers_404_in_the_gpas_shape(
        gpas: GpasClient, live: Live, redis_client: RedisClient, path: str, signed: bool) -> None:
    call = Call("GET", path, f"walletSessionId={live.session_id}")
    parent = PARENT_ID if signed else None
    signature = good if signed else SIGNATURE_FAULTS["missing"]
    response = assert_refused(
        redis_client, lambda: send(gpas, call, parent=parent, signature=signature),
        (404, 1010, "NOT_FOUND"))
    assert_not_html(response)


@pytest.mark.parametrize(("method", "name"), [
    ("GET", "debit"), ("PUT", "credit"), ("POST", "rollback"), ("DELETE", "debit"),
    ("POST", "balance"), ("PATCH", "my-balance"), ("GET", "close"), ("POST", "close"),
    ("GET", "sessions"), ("PATCH", "sessions"),
])
def test_wrong_method_on_a_gpas_path_answers_405_in_the_gpas_shape(
        gpas: GpasClient, live: Live, redis_client: RedisClient, method: str, name: str) -> None:
    call = replace(endpoint_call(name, live), method=method)
    response = assert_refused(redis_client, lambda: send(gpas, call),
                              (405, 1010, "METHOD_NOT_ALLOWED"))
    assert endpoint_call(name, live).method in response.headers["Allow"].split(", ")
    assert_not_html(response)


def padded_debit(size: int) -> bytes:
    """Return a valid debit body of exactly ``size`` bytes (the padding is in an opaque tag)."""
    bare = movement(tags={"pad": ""})
    assert size >= len(bare)
    return movement(tags={"pad": "x" * (size - len(bare))})


@pytest.mark.parametrize("limit", [None, 1024])
def test_body_over_the_configured_limit_answers_413_in_the_gpas_shape(
        make_app: Callable[..., Flask], redis_client: RedisClient, limit: int | None) -> None:
    app = make_app() if limit is None else make_app(max_body_bytes=limit)
    assert app.config["MAX_CONTENT_LENGTH"] == (limit or 16 * 1024)
    client = app.test_client()
    gpas = GpasClient(client)
    _, session_id = open_session(gpas, AdminClient(client))
    call = Call("POST", "/movements/debit", f"walletSessionId={session_id}",
                padded_debit(app.config["MAX_CONTENT_LENGTH"] + 1))
    response = assert_refused(redis_client, lambda: send(gpas, call),
                              (413, 1010, "PAYLOAD_TOO_LARGE"))
    assert_not_html(response)
    at_limit = replace(call, body=padded_debit(app.config["MAX_CONTENT_LENGTH"]))
    assert send(gpas, at_limit).status_code == 200


STORE_METHODS = {
    "sessions": "open_session", "balance": "balance", "my-balance": "balance",
    "debit": "apply", "credit": "apply", "rollback": "apply",
    "close": "close_session",
}


@pytest.mark.parametrize("failure", [RuntimeError("boom at wallet_store.py line 1"),
                                     redis.exceptions.ConnectionError("store down")],
                         ids=["bug", "store-down"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_unexpected_failure_answers_500_system_error_without_a_stack_trace(
        app: Flask, gpas: GpasClient, live: Live, redis_client: RedisClient,
        monkeypatch: pytest.MonkeyPatch, name: str, failure: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise failure

    services: Services = app.extensions[EXTENSION]
    monkeypatch.setattr(services.store, STORE_METHODS[name], fail)
    response = assert_refused(redis_client, lambda: send(gpas, endpoint_call(name, live)),
                              (500, 1001, "SYSTEM_ERROR"))
    assert response.json == {"code": 1001, "type": "SYSTEM_ERROR", "message": "System error"}
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "boom", "store down", ".py", type(failure).__name__):
        assert leak not in text
    assert_not_html(response)
