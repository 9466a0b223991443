"""nginx passes on only what it serves: an unknown Transfer-Encoding and a request line of
another HTTP version are answered by nginx in the GPAS error shape and never reach either
gunicorn.

The requests are sent as raw bytes: an HTTP client would normalise the path first. Both
upstreams are recorders (tests/proxy/upstreams.py), so a test sees every request line nginx
passed on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.proxy.nginx import (
    HOST,
    Answer,
    Nginx,
    assert_gpas_error,
    raw_exchange,
)
from tests.proxy.upstreams import RecordingUpstream

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
