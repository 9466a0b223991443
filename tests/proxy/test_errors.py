"""Every error nginx answers itself is the GPAS error body, as JSON, with the request id."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from devkit.nginx import HOST, STRANGER, Nginx, assert_gpas_error, raw_exchange
from devkit.redis import free_port
from tests.proxy.stack import Stack, movement_body
from tests.proxy.upstreams import StuckUpstream

pytestmark = [
    pytest.mark.realredis,
    # One process for the proxy's modules (one xdist group): each module's `stack` (nginx and
    # both gunicorns) starts once, not again on every worker that runs one of its tests.
    pytest.mark.xdist_group("proxy"),
]


@pytest.mark.parametrize("request_bytes", [
    b"GET /sessions HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n",
    b"NONSENSE\r\n\r\n",
    b"GET /sessions HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
], ids=["bad header", "bad request line", "header over 8 KiB"])
def test_a_malformed_request_answers_400(stack: Stack, request_bytes: bytes) -> None:
    assert_gpas_error(raw_exchange(stack.nginx, "public", request_bytes), 400, 1010,
                      "INVALID_REQUEST")


def test_trace_answers_405(stack: Stack) -> None:
    answer = raw_exchange(stack.nginx, "public", b"TRACE /sessions HTTP/1.1\r\nHost: x\r\n\r\n")
    assert_gpas_error(answer, 405, 1010, "METHOD_NOT_ALLOWED")


def test_the_error_pages_themselves_are_not_reachable(stack: Stack) -> None:
    answer = stack.nginx.request("public", "GET", "/_walletsvc_error/500",
                                 cert=stack.pki.gpas_client)
    assert_gpas_error(answer, 404, 1010, "NOT_FOUND")


def test_no_client_certificate_and_a_foreign_one_answer_400(stack: Stack) -> None:
    for cert in (None, stack.pki.stranger_client):
        answer = stack.nginx.request("public", "GET", "/wallets/balance?walletSessionId=x",
                                     cert=cert)
        assert_gpas_error(answer, 400, 1010, "CLIENT_CERTIFICATE_REQUIRED")


def test_plain_http_on_the_public_port_answers_400(stack: Stack) -> None:
    answer = raw_exchange(stack.nginx, "public",
                          b"GET /sessions HTTP/1.1\r\nHost: localhost\r\n\r\n", tls=False)
    assert_gpas_error(answer, 400, 1010, "INVALID_REQUEST")


def test_an_address_outside_the_allow_list_answers_403(stack: Stack) -> None:
    answer = stack.nginx.request("public", "GET", "/wallets/balance?walletSessionId=x",
                                 source=STRANGER, cert=stack.pki.gpas_client)
    assert_gpas_error(answer, 403, 1010, "ADDRESS_NOT_ALLOWED")


@pytest.mark.parametrize("listener", ["public", "internal", "health"])
def test_an_unknown_path_answers_404_on_every_listener(stack: Stack, listener: str) -> None:
    answer = stack.nginx.request(listener, "GET", "/no/such/route", source=HOST,
                                 cert=stack.pki.gpas_client)
    assert_gpas_error(answer, 404, 1010, "NOT_FOUND")


def test_a_body_over_16_kib_answers_413_and_moves_nothing(stack: Stack) -> None:
    wallet, session = stack.open_session("10")
    body = movement_body("credit", "5") | {"description": "x" * 17_000}
    answer = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}", body)
    assert_gpas_error(answer, 413, 1010, "PAYLOAD_TOO_LARGE")
    assert stack.balance(wallet)["real"] == 10


def test_a_request_line_over_8_kib_answers_414(stack: Stack) -> None:
    answer = stack.gpas("GET", "/wallets/balance", "walletSessionId=" + "x" * 9000)
    assert_gpas_error(answer, 414, 1010, "URI_TOO_LONG")


def test_the_apps_own_errors_pass_through_unchanged(stack: Stack) -> None:
    _, session = stack.open_session("10")
    answer = stack.gpas("GET", "/wallets/balance", f"walletSessionId={session}",
                        headers={"x-signature": "0" * 40})
    assert answer.status == 400
    assert answer.json() == {"code": 1006, "type": "SIGNATURE_FAILED",
                             "message": "Signature failed"}


def test_gunicorn_down_answers_502_with_code_1001(make_nginx: Callable[..., Nginx]) -> None:
    nginx = make_nginx(free_port())  # nothing listens there
    for listener in ("public", "internal", "health"):
        path = "/wallets/balance?walletSessionId=x" if listener == "public" else "/readyz"
        answer = nginx.request(listener, "GET", path, source=HOST, cert=nginx.pki.gpas_client)
        assert_gpas_error(answer, 502, 1001, "SYSTEM_ERROR")


@pytest.fixture
def stuck_upstream() -> Iterator[StuckUpstream]:
    upstream = StuckUpstream()
    yield upstream
    upstream.close()


@pytest.mark.slow
def test_a_stuck_gunicorn_answers_504_after_its_worker_timeout_and_is_sent_the_movement_once(
        make_nginx: Callable[..., Nginx], stuck_upstream: StuckUpstream) -> None:
    nginx = make_nginx(stuck_upstream.port)
    started = time.monotonic()
    answer = nginx.request("public", "POST", "/movements/debit?walletSessionId=x",
                           b'{"externalReference":"r"}',
                           {"Content-Type": "application/json"}, cert=nginx.pki.gpas_client,
                           timeout=30)
    waited = time.monotonic() - started
    assert_gpas_error(answer, 504, 1001, "SYSTEM_ERROR")
    # proxy_read_timeout 10s, gunicorn's worker timeout: nginx did not give up before it.
    assert waited >= 9.5
    assert len(stuck_upstream.requests) == 1
    assert stuck_upstream.requests[0].startswith(b"POST /movements/debit?walletSessionId=x ")
