"""The hot path costs one Redis round trip: debit, credit and rollback are one EVALSHA each.

Commands are counted on the server with MONITOR, which sees everything a client sends
(pipelined commands too) and tells a client's commands from those a script runs inside Redis.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.redis_server import RedisServer
from tests.support.admin import AdminClient, open_session
from tests.support.gpas import GpasClient
from tests.support.settings import FakeClock, base_config
from walletsvc import create_app
from walletsvc.store import RedisClient

pytestmark = pytest.mark.realredis


class CommandLog:
    """The commands clients sent to the server (not those run inside scripts), by name."""

    def __init__(self) -> None:
        self.names: list[str] = []


@contextmanager
def commands_sent(server: RedisServer) -> Iterator[CommandLog]:
    """Record every client command sent to ``server`` while the block runs."""
    log = CommandLog()
    watcher = redis.Redis(port=server.port, decode_responses=True)
    marker_client = redis.Redis(port=server.port)
    marker_client.ping()  # its connection handshake happens before the count starts
    marker = f"end-of-count-{uuid.uuid4().hex}"
    with watcher.monitor() as monitor:  # MONITOR is on once its OK has been read
        yield log
        # Every command before the marker has reached the server, and MONITOR keeps order.
        marker_client.echo(marker)
        for seen in monitor.listen():
            command: str = seen["command"]
            if command == f"ECHO {marker}":
                break
            if seen["client_type"] != "lua":
                log.names.append(command.split(" ", 1)[0].upper())
    watcher.close()
    marker_client.close()


@pytest.fixture
def client(real_redis: RedisClient) -> FlaskClient:
    """The app over the real redis-server, as gunicorn would serve it."""
    return create_app(base_config(), redis=real_redis, clock=FakeClock()).test_client()


@pytest.fixture
def session(client: FlaskClient) -> tuple[GpasClient, str]:
    """A funded session, with the scripts already loaded by a first round of calls."""
    gpas, admin = GpasClient(client), AdminClient(client)
    _, warm_up = open_session(gpas, admin, real="1000")
    _play_round(gpas, warm_up)
    return gpas, open_session(gpas, admin, real="1000")[1]


def _ok(response: TestResponse) -> TestResponse:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _play_round(gpas: GpasClient, session_id: str) -> None:
    _ok(gpas.debit(session_id, "1.00", reference=(bet := f"d-{uuid.uuid4().hex}")))
    _ok(gpas.credit(session_id, "0.50"))
    _ok(gpas.rollback(session_id, bet))


MOVES: dict[str, Callable[[GpasClient, str, str], Any]] = {
    "debit": lambda gpas, sid, _: gpas.debit(sid, "2.00"),
    "credit": lambda gpas, sid, _: gpas.credit(sid, "3.00"),
    "rollback": lambda gpas, sid, bet: gpas.rollback(sid, bet),
    "balance": lambda gpas, sid, _: gpas.balance(sid),
}


@pytest.mark.parametrize("kind", list(MOVES))
def test_a_call_on_a_known_session_sends_exactly_one_evalsha(
        kind: str, session: tuple[GpasClient, str], redis_server: RedisServer) -> None:
    gpas, session_id = session
    _ok(gpas.balance(session_id))  # the first call on a session may look up its wallet
    bet = f"d-{uuid.uuid4().hex}"
    _ok(gpas.debit(session_id, "1.00", reference=bet))

    with commands_sent(redis_server) as sent:
        _ok(MOVES[kind](gpas, session_id, bet))

    assert sent.names == ["EVALSHA"]


def test_the_first_call_on_a_session_looks_up_its_wallet_once(
        session: tuple[GpasClient, str], redis_server: RedisServer) -> None:
    gpas, session_id = session

    with commands_sent(redis_server) as sent:
        _ok(gpas.debit(session_id, "1.00"))
        _ok(gpas.debit(session_id, "1.00"))

    assert sent.names == ["HMGET", "EVALSHA", "EVALSHA"]
