"""Rate limits per client address, the limit of GPAS calls at once at gunicorn, and slow
clients that never reach gunicorn."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest

from devkit.nginx import GPAS, HOST, Answer, Nginx, assert_gpas_error, send
from devkit.pki import Pki
from devkit.redis import RedisServer
from tests.proxy.stack import Stack, movement_body
from tests.support.service import Service
from tests.support.store import writes_paused

pytestmark = [
    pytest.mark.realredis,
    # One process for the proxy's modules (one xdist group): each module's `stack` (nginx and
    # both gunicorns) starts once, not again on every worker that runs one of its tests.
    pytest.mark.xdist_group("proxy"),
]


def test_gpas_traffic_at_full_speed_is_not_rate_limited(stack: Stack) -> None:
    _, session = stack.open_session("10")
    connection = stack.nginx.client("public", GPAS, stack.pki.gpas_client)
    statuses = []
    try:
        for _ in range(300):
            statuses.append(send(connection, "GET", f"/wallets/balance?walletSessionId={session}",
                                 headers=stack.gpas_headers(f"walletSessionId={session}")).status)
    finally:
        connection.close()
    assert statuses == [200] * 300


@pytest.fixture(scope="module")
def tight_nginx(make_nginx: Callable[..., Nginx], stack: Stack) -> Nginx:
    """The shipped config with the GPAS rate cut to 1 a second, burst 3, before gunicorn."""
    return make_nginx(stack.service.port, **{"rate=2000r/s": "rate=1r/s",
                                             "burst=4000": "burst=3"})


def test_a_client_over_its_rate_gets_429_while_another_address_is_served(
        tight_nginx: Nginx) -> None:
    answers = [tight_nginx.request("public", "GET", "/wallets/balance?walletSessionId=x",
                                   source=GPAS, cert=tight_nginx.pki.gpas_client)
               for _ in range(10)]
    # The first four are let through (1 + burst 3): walletsvc refuses them itself (no signature).
    assert [a.json()["code"] for a in answers[:4]] == [1001] * 4
    limited = [a for a in answers if a.status == 429]
    assert len(limited) >= 5
    for answer in limited:
        assert_gpas_error(answer, 429, 1010, "RATE_LIMITED")
    other = tight_nginx.request("public", "GET", "/wallets/balance?walletSessionId=x",
                                source=HOST, cert=tight_nginx.pki.gpas_client)
    assert other.status == 400 and other.json()["code"] == 1001


@pytest.fixture(scope="module")
def one_call_at_once(make_nginx: Callable[..., Nginx], newest_redis_server: RedisServer,
                     pki: Pki, tmp_path_factory: pytest.TempPathFactory, operators_url: str
                     ) -> Iterator[Stack]:
    """The shipped config cut to one GPAS call at once at gunicorn, in front of a walletsvc
    whose script calls may wait at a paused Redis (60 s timeout)."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    service = Service(newest_redis_server.url, log, operators_url,
                      WALLETSVC_TRUSTED_PROXY_COUNT="1",
                      WALLETSVC_GPAS_ALLOWED_IPS=f"{HOST},{GPAS}",
                      WALLETSVC_REDIS_TIMEOUT_MS="60000").start()
    try:
        nginx = make_nginx(service.port, service.operator_port,
                           **{"limit_conn walletsvc_gpas_calls 512;":
                              "limit_conn walletsvc_gpas_calls 1;"})
        yield Stack(nginx, service, pki)
    finally:
        service.stop()


def test_a_gpas_call_past_the_limit_at_once_is_refused_503_overloaded_before_gunicorn(
        one_call_at_once: Stack, newest_redis_server: RedisServer) -> None:
    stack = one_call_at_once
    wallet, session = stack.open_session("100")
    query = f"walletSessionId={session}"
    held: list[Answer] = []
    with writes_paused(newest_redis_server.port):  # the first debit waits at Redis
        holder = threading.Thread(target=lambda: held.append(stack.gpas(
            "POST", "/movements/debit", query, movement_body("debit", "1"))))
        holder.start()
        stack.service.wait_for_metric("walletsvc_requests_in_flight", 1)
        extra = movement_body("debit", "2")
        refused = stack.gpas("POST", "/movements/debit", query, extra,
                             headers={"X-Request-Id": "past-the-limit"})
        probe = stack.nginx.request("health", "GET", "/readyz", source=HOST)
    holder.join(timeout=60)

    assert_gpas_error(refused, 503, 1001, "OVERLOADED")
    assert refused.header("Retry-After") == ["1"]
    assert refused.header("X-Request-Id") == ["past-the-limit"]
    assert probe.status == 200  # the health listener has no such limit
    assert held[0].status == 200
    assert stack.nginx.access_line("past-the-limit")["upstream_status"] == ""
    assert "past-the-limit" not in {line["request_id"] for line in stack.app_lines()}
    assert stack.balance(wallet)["real"] == 99
    assert stack.gpas("POST", "/movements/debit", query, extra).status == 200
    assert stack.balance(wallet)["real"] == 97


@pytest.fixture
def slow_clients(stack: Stack) -> Iterator[list[ssl.SSLSocket]]:
    """Eight clients that send a movement's headers and a first byte of its body, then stall."""
    context = ssl.create_default_context(cafile=str(stack.pki.server_ca))
    context.load_cert_chain(str(stack.pki.gpas_client))
    clients = []
    for _ in range(8):
        sock = context.wrap_socket(
            socket.create_connection((HOST, stack.nginx.public), timeout=10,
                                     source_address=(GPAS, 0)), server_hostname="localhost")
        sock.sendall(b"POST /movements/debit?walletSessionId=x HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{")
        clients.append(sock)
    yield clients
    for sock in clients:
        sock.close()


def test_slow_clients_do_not_hold_gunicorn_workers(stack: Stack,
                                                   slow_clients: list[socket.socket]) -> None:
    # Two workers and eight stalled bodies: nginx holds them all and gunicorn sees none,
    # so a GPAS call is answered well before the stalled ones time out (client_body_timeout).
    _, session = stack.open_session("10")
    connection = stack.nginx.client("public", GPAS, stack.pki.gpas_client, timeout=4)
    try:
        answer = send(connection, "GET", f"/wallets/balance?walletSessionId={session}",
                      headers=stack.gpas_headers(f"walletSessionId={session}"))
    finally:
        connection.close()
    assert answer.status == 200
    assert len(slow_clients) == 8
