"""Hostile requests that only a real HTTP server sees: chunked bodies, long request lines."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator

import pytest
import redis

from devkit.gpas import signed_headers
from devkit.redis import RedisBinary, RedisServer
from devkit.settings import PARENT_ID, SECRET
from tests.support.service import Service

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # One process (one xdist group): the module's gunicorn starts once, not on every worker.
    pytest.mark.xdist_group("hostile-transport"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, redis_binary: RedisBinary,
         operators_url: str) -> Iterator[tuple[Service, str, redis.Redis]]:
    """gunicorn over its own redis-server, with a funded session."""
    directory = tmp_path_factory.mktemp("transport")
    server = RedisServer(directory / "redis", binary=redis_binary).start()
    service = Service(server.url, directory / "gunicorn.log", operators_url, workers=1).start()
    store = redis.Redis.from_url(server.url)
    try:
        yield service, service.funded_session("100")[1], store
    finally:
        store.close()
        service.stop()
        server.stop()


def state(store: redis.Redis) -> dict[bytes, bytes]:
    """Return every key with a digest of its value."""
    return {key: store.dump(key) or b"" for key in sorted(store.scan_iter())}


def chunked_debit(service: Service, session_id: str, size: int) -> tuple[int, object]:
    """POST a signed debit of about ``size`` bytes with chunked transfer encoding."""
    body = json.dumps({"externalReference": "chunked-1", "value": "1", "description": "d",
                       "typeCode": "GAME_DEBIT", "tags": {"pad": "x" * size}}).encode()
    query = f"walletSessionId={session_id}"
    headers = {**signed_headers(PARENT_ID, SECRET, body, query),
               "Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=15)
    try:
        connection.putrequest("POST", f"/movements/debit?{query}")
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        for start in range(0, len(body), 4096):
            chunk = body[start:start + 4096]
            connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_chunked_body_over_the_limit_answers_413_in_the_gpas_shape(
        live: tuple[Service, str, redis.Redis]) -> None:
    service, session_id, store = live
    before = state(store)
    status, body = chunked_debit(service, session_id, 64 * 1024)
    assert (status, body) == (413, {"code": 1010, "type": "PAYLOAD_TOO_LARGE",
                                    "message": "Request body too large"})
    assert state(store) == before


def test_chunked_body_under_the_limit_is_taken(live: tuple[Service, str, redis.Redis]) -> None:
    service, session_id, _ = live
    status, body = chunked_debit(service, session_id, 1024)
    assert status == 200, body


def test_long_query_string_under_gunicorns_limit_gets_the_gpas_shape(
        live: tuple[Service, str, redis.Redis]) -> None:
    service, session_id, store = live
    before = state(store)
    query = f"walletSessionId={session_id}{'0' * 7900}"
    answer = service.gpas.call("GET", "/wallets/balance", query)
    assert answer.status_code == 400
    assert answer.json["type"] == "INVALID_REQUEST"
    assert state(store) == before


def test_request_line_over_gunicorns_limit_is_refused_before_the_app(
        live: tuple[Service, str, redis.Redis]) -> None:
    # gunicorn answers itself (limit_request_line), in its own format: nothing reaches the app.
    service, session_id, store = live
    before = state(store)
    with socket.create_connection(("127.0.0.1", service.port), timeout=15) as sock:
        sock.sendall(f"GET /wallets/balance?walletSessionId={session_id}{'0' * 9000} HTTP/1.1"
                     "\r\nHost: x\r\n\r\n".encode())
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 414")
    assert state(store) == before
