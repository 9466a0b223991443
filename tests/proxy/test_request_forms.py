"""nginx passes on only what it matched: a path with `..`, an encoded slash or a doubled slash,
an unknown Transfer-Encoding and a request line of another HTTP version are answered by nginx
in the GPAS error shape and never reach either gunicorn.

The requests are sent as raw bytes: an HTTP client would normalise the path first. Both
upstreams are recorders (tests/proxy/upstreams.py), so a test sees every request line nginx
passed on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devkit.nginx import HOST, Answer, Nginx, assert_gpas_error, raw_exchange, raw_reply
from tests.proxy.upstreams import RecordingUpstream

NOT_NORMAL = {"code": 1010, "type": "INVALID_REQUEST",
              "message": "Request path not in normal form"}
NOT_FOUND = {"code": 1010, "type": "NOT_FOUND", "message": "Not found"}
INVALID = {"code": 1010, "type": "INVALID_REQUEST", "message": "Invalid request"}
NOT_IMPLEMENTED = {"code": 1010, "type": "NOT_IMPLEMENTED",
                   "message": "Transfer-Encoding not supported"}
VERSION = {"code": 1010, "type": "HTTP_VERSION_NOT_SUPPORTED",
           "message": "HTTP version not supported"}

# A route each listener passes on: a request refused there would otherwise have reached it.
SERVED = {"public": "/movements/debit", "internal": "/admin/wallets", "health": "/healthz"}


@dataclass
class Recorded:
    """The shipped nginx in front of two recorders: GPAS's gunicorn and the operator's."""

    nginx: Nginx
    gpas: RecordingUpstream
    operator: RecordingUpstream

    def forwarded(self) -> list[bytes]:
        """Return every request line either upstream was sent since the test began."""
        return self.gpas.request_lines + self.operator.request_lines

    def send(self, listener: str, request: bytes) -> Answer:
        """Send raw request bytes to ``listener`` (from this host) and read the answer."""
        return raw_exchange(self.nginx, listener, request, source=HOST)


@pytest.fixture(scope="module")
def behind(make_nginx: Callable[..., Nginx]) -> Iterator[Recorded]:
    gpas, operator = RecordingUpstream(), RecordingUpstream()
    yield Recorded(make_nginx(gpas.port, operator.port), gpas, operator)
    gpas.close()
    operator.close()


@pytest.fixture
def recorded(behind: Recorded) -> Recorded:
    """The recorders, emptied for this test."""
    behind.gpas.request_lines.clear()
    behind.operator.request_lines.clear()
    return behind


def get(target: str) -> bytes:
    """Return a GET request for ``target`` exactly as written."""
    return f"GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


def assert_refused(answer: Answer, status: int, body: dict[str, Any]) -> None:
    """Assert that ``answer`` is nginx's GPAS error ``body`` with ``status``."""
    assert_gpas_error(answer, status, body["code"], body["type"])
    assert answer.json() == body


# (listener, request target, status, body). Each 400 "not in normal form" is a path nginx
# matched to a proxied route once normalised: /admin/wallets/W/../../../sessions is
# /sessions, /metrics/../admin/wallets is /admin/wallets, the operator's route.
PATHS = [
    ("public", "/admin/wallets/W/../../../sessions", 400, NOT_NORMAL),
    ("public", "/sessions/../admin/wallets?walletId=w", 404, NOT_FOUND),
    ("public", "/admin/wallets/W/..%2F..%2F..%2Fsessions", 400, NOT_NORMAL),
    ("public", "/admin/wallets/W/..%2f..%2f..%2fwallets/balance", 400, NOT_NORMAL),
    ("public", "/wallet/..%2F..%2Fadmin/wallets", 400, INVALID),  # above the root
    ("public", "//sessions", 404, NOT_FOUND),
    ("public", "/movements//debit?walletSessionId=x", 404, NOT_FOUND),
    ("public", "/admin/x/..%2F.//../../movements/debit", 400, NOT_NORMAL),
    ("public", "/healthz/..%2F.%2Fadmin/wallets", 404, NOT_FOUND),
    ("internal", "/metrics/../admin/wallets", 400, NOT_NORMAL),
    ("internal", "/admin/../metrics", 400, NOT_NORMAL),
    ("internal", "/operator/../operator/metrics", 400, NOT_NORMAL),
    ("internal", "/admin/wallets/W/../../../sessions", 404, NOT_FOUND),
    ("internal", "/admin%2Fwallets", 400, NOT_NORMAL),
    ("internal", "/metrics/..%2Fadmin/wallets", 400, NOT_NORMAL),
    ("internal", "/admin%2fwallets", 400, NOT_NORMAL),
    ("internal", "/admin/x/..%2f..%2fmetrics", 400, NOT_NORMAL),
    ("internal", "/admin//wallets", 400, NOT_NORMAL),
    ("internal", "/admin/wallets//W/sessions", 400, NOT_NORMAL),
    ("internal", "//admin/wallets", 404, NOT_FOUND),
    ("internal", "/metrics/..%2F.%2fadmin/wallets", 400, NOT_NORMAL),
    ("internal", "/sessions/..%2f%2E/admin%2Fwallets", 400, NOT_NORMAL),
    ("health", "/readyz/../healthz", 400, NOT_NORMAL),
    ("health", "/x/..%2Fhealthz", 400, NOT_NORMAL),
    ("health", "//healthz", 404, NOT_FOUND),
]


@pytest.mark.parametrize(("listener", "target", "status", "body"), PATHS,
                         ids=[f"{case[0]} {case[1]}" for case in PATHS])
def test_a_path_not_in_normal_form_is_refused_and_reaches_no_gunicorn(
        recorded: Recorded, listener: str, target: str, status: int,
        body: dict[str, Any]) -> None:
    assert_refused(recorded.send(listener, get(target)), status, body)
    assert recorded.forwarded() == []


@pytest.mark.parametrize(("listener", "request_line", "upstream", "sent"), [
    ("public", b"POST /movements/debit?walletSessionId=x HTTP/1.1", "gpas",
     b"POST /movements/debit?walletSessionId=x HTTP/1.1"),
    # Only the path is judged: a query is passed on as it came.
    ("public", b"GET /wallets/balance?walletSessionId=a/../b%2F//c HTTP/1.1", "gpas",
     b"GET /wallets/balance?walletSessionId=a/../b%2F//c HTTP/1.1"),
    ("internal", b"GET /admin/wallets/w.1_a-B/sessions HTTP/1.1", "operator",
     b"GET /admin/wallets/w.1_a-B/sessions HTTP/1.1"),
    ("internal", b"GET /admin/ HTTP/1.1", "operator", b"GET /admin/ HTTP/1.1"),
    ("internal", b"GET /operator/metrics HTTP/1.1", "operator", b"GET /metrics HTTP/1.1"),
    ("internal", b"GET /metrics HTTP/1.1", "gpas", b"GET /metrics HTTP/1.1"),
    ("health", b"GET /readyz HTTP/1.1", "gpas", b"GET /readyz HTTP/1.1"),
])
def test_a_path_in_normal_form_reaches_its_gunicorn_as_nginx_matched_it(
        recorded: Recorded, listener: str, request_line: bytes, upstream: str,
        sent: bytes) -> None:
    body = b'{"externalReference":"r"}'
    request = (request_line + b"\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    answer = recorded.send(listener, request)
    assert (answer.status, answer.json()) == (200, {"recorded": True})
    recorder = recorded.gpas if upstream == "gpas" else recorded.operator
    assert recorder.request_lines == [sent]
    assert recorded.forwarded() == [sent]


@pytest.mark.parametrize("listener", ["public", "internal", "health"])
@pytest.mark.parametrize("coding", ["gzip", "identity", "chunked, chunked", "x-unknown"])
def test_an_unknown_transfer_encoding_answers_501_and_reaches_no_gunicorn(
        recorded: Recorded, listener: str, coding: str) -> None:
    request = (f"POST {SERVED[listener]} HTTP/1.1\r\nHost: localhost\r\n"
               f"Content-Type: application/json\r\nTransfer-Encoding: {coding}\r\n\r\n"
               "2\r\n{}\r\n0\r\n\r\n").encode()
    answer = recorded.send(listener, request)
    assert_refused(answer, 501, NOT_IMPLEMENTED)
    assert answer.header("Connection") == ["close"]
    assert recorded.forwarded() == []


@pytest.mark.parametrize("listener", ["public", "internal", "health"])
@pytest.mark.parametrize("version", ["HTTP/2.0", "HTTP/3.0", "HTTP/2", "HTTP/10.0"])
def test_a_request_line_of_another_http_version_answers_505_and_reaches_no_gunicorn(
        recorded: Recorded, listener: str, version: str) -> None:
    answer = recorded.send(
        listener, f"GET {SERVED[listener]} {version}\r\nHost: localhost\r\n\r\n".encode())
    assert_refused(answer, 505, VERSION)
    assert recorded.forwarded() == []


@pytest.mark.parametrize("listener", ["public", "internal", "health"])
def test_the_http2_preface_on_a_listener_without_http2_answers_400(
        recorded: Recorded, listener: str) -> None:
    answer = recorded.send(listener, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    assert_refused(answer, 400, INVALID)
    assert recorded.forwarded() == []


@pytest.mark.parametrize("listener", ["public", "internal", "health"])
def test_an_http09_request_for_a_served_route_is_closed_unanswered(
        recorded: Recorded, listener: str) -> None:
    # HTTP/0.9 has no status line and no headers: nginx would pass it on as HTTP/1.1 and
    # send back gunicorn's body alone. It is closed instead, and nothing is passed on.
    path = "/wallets/balance" if listener == "public" else SERVED[listener]
    assert raw_reply(recorded.nginx, listener, f"GET {path}\r\n".encode()) == b""
    assert recorded.forwarded() == []


def test_an_http09_request_nginx_answers_itself_gets_the_bare_error_body(
        recorded: Recorded) -> None:
    # What error_page cannot shape: HTTP/0.9 answers carry no status line and no headers, so
    # the GPAS body goes alone. The config cannot close these instead: a request line nginx
    # could not read (errors.conf) has no version either, and must keep its 400.
    reply = raw_reply(recorded.nginx, "health", b"GET /no/such/route\r\n")
    assert not reply.startswith(b"HTTP/")
    assert reply == (b'{"code":1010,"type":"NOT_FOUND","message":"Not found"}')
    assert recorded.forwarded() == []
