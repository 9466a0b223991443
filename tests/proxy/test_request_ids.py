"""The request id GPAS sends is kept end to end; nginx makes one only when there is none."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from devkit.nginx import GPAS, one_line
from tests.proxy.stack import Stack

pytestmark = [
    pytest.mark.realredis,
    # One process for the proxy's modules (one xdist group): each module's `stack` (nginx and
    # both gunicorns) starts once, not again on every worker that runs one of its tests.
    pytest.mark.xdist_group("proxy"),
]


def app_line(stack: Stack, request_id: str) -> dict[str, Any]:
    """Return walletsvc's one log line for ``request_id``."""
    return one_line(stack.app_lines, request_id)


def nginx_line(stack: Stack, request_id: str) -> dict[str, Any]:
    """Return nginx's one access log line for ``request_id``."""
    return stack.nginx.access_line(request_id)


def test_gpas_request_id_is_answered_and_in_both_logs(stack: Stack) -> None:
    _, session = stack.open_session("10")
    request_id = f"gpas-{uuid.uuid4().hex}"
    answer = stack.gpas("GET", "/wallets/balance", f"walletSessionId={session}",
                        headers={"X-Request-Id": request_id, "X-Forwarded-For": "203.0.113.9"})
    assert answer.status == 200
    assert answer.header("X-Request-Id") == [request_id]
    logged = nginx_line(stack, request_id)
    assert (logged["path"], logged["status"], logged["upstream_status"]) == (
        "/wallets/balance", 200, "200")
    assert logged["client_subject"] == "CN=gpas"
    app = app_line(stack, request_id)
    assert (app["endpoint"], app["status"], app["wallet_session"]) == (
        "/wallets/balance", 200, session)
    # Both sides log the address nginx saw, not the one the client claimed.
    assert logged["client"] == app["client"] == GPAS


def test_without_a_request_id_nginx_makes_one_that_both_sides_log(stack: Stack) -> None:
    _, session = stack.open_session("10")
    answer = stack.gpas("GET", "/wallets/balance", f"walletSessionId={session}")
    (request_id,) = answer.header("X-Request-Id")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert nginx_line(stack, request_id)["upstream_status"] == "200"
    assert app_line(stack, request_id)["endpoint"] == "/wallets/balance"


@pytest.mark.parametrize("offered", ["has spaces in it", "x" * 65, "semi;colon"])
def test_a_request_id_that_is_not_a_plain_token_is_replaced(stack: Stack, offered: str) -> None:
    answer = stack.nginx.request("internal", "GET", "/healthz", source="127.0.0.1",
                                 headers={"X-Request-Id": offered})
    (request_id,) = answer.header("X-Request-Id")
    assert request_id != offered and re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert app_line(stack, request_id)["endpoint"] == "/healthz"


def test_nginx_own_errors_carry_and_log_the_request_id(stack: Stack) -> None:
    request_id = f"gpas-{uuid.uuid4().hex}"
    answer = stack.nginx.request("public", "GET", "/wallets/balance?walletSessionId=x",
                                 headers={"X-Request-Id": request_id})
    assert answer.status == 400
    assert answer.header("X-Request-Id") == [request_id]
    logged = nginx_line(stack, request_id)
    assert (logged["status"], logged["upstream_status"], logged["client_verify"]) == (
        400, "", "NONE")
