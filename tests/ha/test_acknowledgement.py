"""WALLETSVC_REDIS_MIN_REPLICAS: a write is answered only once replicas have it (WAIT)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client import REGISTRY

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisBinary, RedisServer
from devkit.settings import PARENT_ID, SECRET, FakeClock, base_config
from devkit.store import ready
from tests.ha.servers import info, store_client, wait_for
from tests.support.answers import error_of
from tests.support.service import ROOT
from walletsvc import create_app
from walletsvc.config import ConfigError
from walletsvc.store import connect, keys

pytestmark = pytest.mark.realredis
SYSTEM_ERROR = (500, 1001, "SYSTEM_ERROR")


class Pair:
    """A primary, and a replica that a test starts, freezes or stops."""

    def __init__(self, directory: Path, binary: RedisBinary, ledger_url: str) -> None:
        self.ledger_url = ledger_url  # the operators' database
        self.primary = RedisServer(directory / "primary", binary=binary).start()
        self.replica = RedisServer(directory / "replica", "--replicaof", "127.0.0.1",
                                   str(self.primary.port), binary=binary)

    def start_replica(self) -> None:
        self.replica.start()
        wait_for("the replica to sync", lambda: info(self.replica.port)["master_link_status"]
                 == "up")
        # The replica sees its link up before the primary has its first acknowledgement.
        wait_for("the primary to count its replica online",
                 lambda: info(self.primary.port).get("slave0", {}).get("state") == "online")

    def app(self, **settings: Any) -> Flask:
        """The service over the primary, with ``settings``."""
        return create_app(base_config(ledger_url=self.ledger_url, **settings),
                          redis=ready(store_client(self.primary.url)), clock=FakeClock())

    def stop(self) -> None:
        if self.replica.process and self.replica.process.poll() is None:
            self.replica.resume()
        self.replica.stop()
        self.primary.stop()


@pytest.fixture
def pair(tmp_path: Path, redis_binary: RedisBinary, operators_url: str) -> Iterator[Pair]:
    """A primary with its replica not started yet."""
    servers = Pair(tmp_path, redis_binary, operators_url)
    yield servers
    servers.stop()


WAITING = {"redis_min_replicas": 1, "redis_replica_timeout_ms": 100,
           "duplicate_reply": "replay"}


def _stream(pair: Pair, wallet_id: str) -> list[dict[str, str]]:
    with connect(pair.primary.url, 5.0) as redis:
        return [fields for _, fields in redis.xrange(keys.wallet_stream(wallet_id))]


def _replica_failures() -> float:
    return REGISTRY.get_sample_value("walletsvc_store_failures_total", {"kind": "replicas"}) or 0


def test_without_min_replicas_writes_do_not_wait_for_a_replica(pair: Pair) -> None:
    app = pair.app()  # no replica at all, and the default WALLETSVC_REDIS_MIN_REPLICAS=0
    gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
    _, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "10").status_code == 200


def test_with_no_replica_every_write_answers_500_and_a_resend_applies_it_once(
        pair: Pair, store_log: list[dict[str, Any]]) -> None:
    setup = pair.app(duplicate_reply="replay")  # created before the replica is required
    gpas, admin = GpasClient(setup.test_client()), AdminClient(setup.test_client())
    wallet_id, session_id = open_session(gpas, admin, real="100")
    _, closing_id = open_session(gpas, admin)
    other_id = admin.wallet(real="5")
    token = admin.token(other_id)
    app = pair.app(**WAITING)
    gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
    failures_before = _replica_failures()

    answers = {
        "debit": gpas.debit(session_id, "10", reference="bet-1"),
        "credit": gpas.credit(session_id, "1"),
        "rollback": gpas.rollback(session_id, "bet-1"),
        "open session": gpas.open_session(other_id, token),
        "close session": gpas.close(closing_id),
        "create wallet": admin.post("/wallets", {"playerId": "p", "currency": "BRL"}),
        "deposit": admin.post(f"/wallets/{other_id}/deposits",
                              {"amount": "1", "subWallet": "REAL", "reference": "d-1"}),
        "block": admin.post(f"/wallets/{other_id}/block", {"reason": "test"}),
        "launch token": admin.post("/launch-tokens", {"walletId": other_id}),
    }

    assert {name: error_of(answer) for name, answer in answers.items()} == {
        name: SYSTEM_ERROR for name in answers}
    assert _replica_failures() - failures_before == len(answers)
    # Read from the store's own logger: the app makes the walletsvc loggers stop propagating
    # when it is first built, which may be during this test (pytest's caplog misses them then).
    lines = [line for line in store_log if line.get("kind") == "replicas"]
    assert len(lines) == len(answers)
    assert not any("exc" in line for line in lines)  # one line each, no traceback
    assert lines[0]["error"] == (
        "ReplicaAcknowledgementMissing: write not acknowledged: 0 of 1 replicas confirmed the "
        "write within 100 ms")
    # The outcome was unknown, as after a timeout: the debit ran on the primary, and once a
    # replica has it GPAS's resend meets it and gets its replay, never a second debit.
    assert [e["ref"] for e in _stream(pair, wallet_id) if e["event"] == "debit"] == ["bet-1"]
    pair.start_replica()
    resend = gpas.debit(session_id, "10", reference="bet-1")
    assert resend.status_code == 200
    assert [e["ref"] for e in _stream(pair, wallet_id) if e["event"] == "debit"] == ["bet-1"]
    assert admin.balance(wallet_id)["real"] == 101  # the debit, credit and rollback, once each


def test_readiness_says_a_replica_is_missing_and_recovers_once_it_is_online(pair: Pair) -> None:
    client = pair.app(**WAITING).test_client()
    missing = client.get("/readyz")
    assert missing.status_code == 503
    assert missing.get_json()["problems"] == [
        "0 of 1 replicas online: writes wait for 1 (WALLETSVC_REDIS_MIN_REPLICAS) and answer "
        "500 until one is back; check the replica and its link to the primary"]
    assert pair.app().test_client().get("/readyz").status_code == 200  # nothing is waited for
    pair.start_replica()
    assert client.get("/readyz").status_code == 200
    pair.replica.stop()
    wait_for("the primary to see its replica gone",
             lambda: info(pair.primary.port)["connected_slaves"] == 0)
    assert client.get("/readyz").status_code == 503


def test_a_replay_is_answered_only_once_a_replica_has_the_original(pair: Pair) -> None:
    pair.start_replica()
    gpas_of = [GpasClient(pair.app(**WAITING).test_client()) for _ in range(2)]
    admin = AdminClient(pair.app(**WAITING).test_client())
    wallet_id, session_id = open_session(gpas_of[0], admin, real="100")
    assert gpas_of[0].debit(session_id, "1").status_code == 200
    pair.replica.pause()
    try:
        assert error_of(gpas_of[0].debit(session_id, "10", reference="bet-2")) == SYSTEM_ERROR
        # Another worker's connection, whose own last write the replica has, is not fooled.
        assert error_of(gpas_of[1].debit(session_id, "10", reference="bet-2")) == SYSTEM_ERROR
    finally:
        pair.replica.resume()
    replay = gpas_of[1].debit(session_id, "10", reference="bet-2")
    assert replay.status_code == 200
    assert [e["ref"] for e in _stream(pair, wallet_id) if e["ref"] == "bet-2"] == ["bet-2"]


def test_waitaof_is_refused_at_start_up_by_a_server_without_it(pair: Pair) -> None:
    version = info(pair.primary.port, "server")["redis_version"]
    with pytest.raises(ConfigError, match=f"needs the WAITAOF command.*Redis {version}"):
        pair.app(redis_waitaof=("local",))


def test_gunicorn_stops_at_start_up_when_waitaof_is_missing(pair: Pair) -> None:
    env = {**os.environ, "WALLETSVC_REDIS_URL": pair.primary.url,
           "WALLETSVC_REDIS_WAITAOF": "local",
           "WALLETSVC_PARENT_SYSTEMS": f'{{"{PARENT_ID}": "{SECRET}"}}',
           "WALLETSVC_RECONCILIATION_API_KEY": "reconciliation-key"}
    started = subprocess.run([sys.executable, "-c", "from wsgi import app"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode == 3
    assert "walletsvc cannot start: WALLETSVC_REDIS_WAITAOF needs the WAITAOF" in started.stderr
