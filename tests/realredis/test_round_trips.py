"""The hot path costs one Redis round trip: debit, credit and rollback are one EVALSHA each.

Commands are counted on the server with MONITOR, which sees everything a client sends
(pipelined commands too) and tells a client's commands from those a script runs inside Redis.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisServer
from devkit.settings import FakeClock, base_config
from devkit.store import ready
from walletsvc import create_app
from walletsvc.store import RedisClient, connect

pytestmark = pytest.mark.realredis


class CommandLog:
    """The commands clients sent to the server (not those run inside scripts), by name."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.connections: set[str] = set()  # the client ports they came from


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
                log.connections.add(seen["client_port"])
    watcher.close()
    marker_client.close()


@pytest.fixture
def client(real_redis: RedisClient, operators_url: str) -> FlaskClient:
    """The app over the real redis-server, as gunicorn would serve it."""
    return create_app(base_config(ledger_url=operators_url), redis=real_redis,
                      clock=FakeClock()).test_client()


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


@pytest.fixture
def replicated_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A primary with one synced replica."""
    primary = RedisServer(tmp_path / "primary").start()
    replica = RedisServer(tmp_path / "replica", "--replicaof", "127.0.0.1", str(primary.port))
    replica.start()
    with redis.Redis(port=replica.port, decode_responses=True) as node:
        deadline = time.monotonic() + 30
        while node.info("replication")["master_link_status"] != "up":
            assert time.monotonic() < deadline, "the replica did not sync"
            time.sleep(0.05)
    yield primary
    replica.stop()
    primary.stop()


@pytest.fixture
def replicated(replicated_server: RedisServer) -> Iterator[RedisClient]:
    """A client of the primary, configured as in production."""
    client = ready(connect(replicated_server.url, 5.0))
    yield client
    client.close()


WAITING_MOVES = {name: move for name, move in MOVES.items() if name != "balance"}


@pytest.mark.parametrize("kind", list(WAITING_MOVES))
def test_with_min_replicas_a_movement_is_one_evalsha_and_its_wait_on_one_connection(
        kind: str, replicated: RedisClient, replicated_server: RedisServer,
        operators_url: str) -> None:
    app = create_app(base_config(redis_min_replicas=1, ledger_url=operators_url),
                     redis=replicated, clock=FakeClock())
    gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
    _, session_id = open_session(gpas, admin, real="1000")
    _play_round(gpas, session_id)
    _ok(gpas.debit(session_id, "1.00", reference=(bet := f"d-{uuid.uuid4().hex}")))

    with commands_sent(replicated_server) as sent:
        _ok(MOVES[kind](gpas, session_id, bet))

    assert sent.names == ["EVALSHA", "WAIT"]
    assert len(sent.connections) == 1  # pipelined: one round trip


def test_with_min_replicas_every_write_waits_and_the_balance_does_not(
        replicated: RedisClient, replicated_server: RedisServer, operators_url: str) -> None:
    app = create_app(base_config(redis_min_replicas=1, ledger_url=operators_url),
                     redis=replicated, clock=FakeClock())
    gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
    _, warm_up = open_session(gpas, admin)
    _play_round(gpas, warm_up)
    _ok(gpas.close(warm_up))
    assert app.test_client().get("/readyz").status_code == 200  # every script is loaded

    with commands_sent(replicated_server) as sent:
        wallet_id = admin.wallet(real="10")  # create, then deposit
        token = admin.token(wallet_id)
        session_id = _ok(gpas.open_session(wallet_id, token)).json["id"]  # type: ignore[index]
        _ok(gpas.balance(session_id))
        _ok(gpas.close(session_id))
        _ok(admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"}))

    writes = [name for name in sent.names if name not in ("HGETALL", "HMGET")]  # reads
    assert writes == ["EVALSHA", "WAIT",  # create the wallet
                      "EVALSHA", "WAIT",  # deposit
                      "EVALSHA", "WAIT",  # the launch token
                      "EVALSHA", "WAIT",  # open the session
                      "EVALSHA",  # the balance: no WAIT
                      "EVALSHA", "WAIT",  # close
                      "EVALSHA", "WAIT"]  # block
