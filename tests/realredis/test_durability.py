"""Crashes and outages under load, through gunicorn, against a real redis-server."""

from __future__ import annotations

import http.client
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from devkit.redis import RedisBinary, RedisServer
from devkit.settings import PARENT_ID
from devkit.store import hash_fields, stream_fields
from tests.support.service import Service
from tests.support.threads import ClientThreads
from walletsvc.store import keys

pytestmark = [
    pytest.mark.realredis, pytest.mark.slow,
    # Load for seconds around a kill, with Redis timeouts of seconds: one such scenario at a
    # time (one xdist group), so that two never starve each other of the two cores.
    pytest.mark.xdist_group("failover"),
]
GPAS_EVENTS = ("debit", "credit", "rollback")


@pytest.fixture
def durable_redis(tmp_path: Path, redis_binary: RedisBinary) -> Iterator[RedisServer]:
    """A redis-server with the append-only file fsynced on every write, as `make run` starts."""
    server = RedisServer(tmp_path / "redis", "--appendonly", "yes", "--appendfsync", "always",
                         binary=redis_binary)
    yield server.start()
    server.stop()


class Traffic(ClientThreads):
    """Client threads sending signed debits, credits and rollbacks until told to stop."""

    def __init__(self, service: Service, sessions: list[tuple[str, str]], threads: int) -> None:
        self.gpas = service.gpas
        self.sessions = sessions
        self.outcomes: list[tuple[str, int | None]] = []  # (reference, HTTP status or None)
        super().__init__(range(threads))

    def _client(self, seed: int) -> None:
        rng = random.Random(seed)
        applied: list[str] = []
        while not self._stop.is_set():
            _, session_id = rng.choice(self.sessions)
            reference = f"ref-{seed}-{rng.getrandbits(64):x}"
            status: int | None = None
            try:
                if applied and rng.random() < 0.2:
                    answer = self.gpas.rollback(session_id, rng.choice(applied), reference)
                else:
                    kind = rng.choice(["debit", "debit", "credit"])
                    value = f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"
                    answer = self.gpas.move(kind, session_id, value, reference)
                status = answer.status_code
            except (OSError, http.client.HTTPException):  # no answer: the outcome is unknown
                pass
            if status == 200:
                applied.append(reference)
            with self._lock:
                self.outcomes.append((reference, status))

    def statuses(self) -> Counter[int | None]:
        """Count the outcomes by HTTP status (None: no answer)."""
        return Counter(status for _, status in self.outcomes)


def assert_books_balance(client: redis.Redis, wallet_ids: list[str], traffic: Traffic) -> None:
    """Every answered movement is stored once, nothing is half-applied, balances add up."""
    in_stream: Counter[str] = Counter()
    for wallet_id in wallet_ids:
        entries = stream_fields(client, keys.wallet_stream(wallet_id))
        wallet = hash_fields(client, keys.wallet(wallet_id))
        assert sum(int(e["real"]) for e in entries) == int(wallet["real"])
        assert sum(int(e["bonus"]) for e in entries) == int(wallet["bonus"])
        for entry in entries:
            if entry["event"] in GPAS_EVENTS:
                in_stream[entry["ref"]] += 1
                record = client.hget(keys.movement(wallet_id, PARENT_ID, entry["ref"]), "mid")
                assert record == entry["mid"], "a movement without its idempotency record"
                assert client.get(keys.reference_owner(PARENT_ID, entry["ref"])) == wallet_id
    assert not in_stream or max(in_stream.values()) == 1, "a reference was applied twice"
    answered = {ref for ref, status in traffic.outcomes if status == 200}
    assert answered <= set(in_stream), "a movement answered 200 is missing from the audit trail"
    unknown = {ref for ref, status in traffic.outcomes if status != 200}
    assert set(in_stream) - answered <= unknown, "a refused movement was applied"
    scanned: set[str] = set()
    for wallet_id in wallet_ids:  # every movement record has its audit entry
        for key in client.scan_iter(match=keys.movement(wallet_id, PARENT_ID, "*")):
            kind = client.hget(key, "kind")
            assert kind == "tombstone" or in_stream[key.rsplit(":", 1)[1]] == 1, key
            scanned.add(key.rsplit(":", 1)[1])
    assert set(in_stream) <= scanned, "the scan missed movement records"


@pytest.fixture
def start_service(durable_redis: RedisServer, tmp_path: Path, operators_url: str
                  ) -> Iterator[Callable[..., Service]]:
    """Start walletsvc under gunicorn over the durable redis-server; stopped after the test."""
    started: list[Service] = []

    def start(**settings: str) -> Service:
        log = tmp_path / "gunicorn.log"
        service = Service(durable_redis.url, log, operators_url, workers=2, **settings).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def wait_until(predicate: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the service did not recover"
        time.sleep(0.1)


def test_killing_redis_loses_no_answered_movement(
        durable_redis: RedisServer, start_service: Callable[..., Service]) -> None:
    service = start_service()
    sessions = [service.funded_session("100000") for _ in range(4)]
    with Traffic(service, sessions, threads=6) as traffic:
        time.sleep(1.5)
        durable_redis.kill()
        time.sleep(0.5)
        durable_redis.start()
        wait_until(lambda: service.http.open("/readyz").status_code == 200)
        time.sleep(1.5)
    statuses = traffic.statuses()
    assert statuses[500] > 0, statuses  # the crash happened under load
    after_restart = [status for _, status in traffic.outcomes[-20:]]
    assert 200 in after_restart, statuses  # and the service recovered by itself
    client = redis.Redis(port=durable_redis.port, decode_responses=True)
    assert_books_balance(client, [wallet for wallet, _ in sessions], traffic)


def test_killing_a_worker_leaves_no_half_applied_movement(
        durable_redis: RedisServer, start_service: Callable[..., Service]) -> None:
    service = start_service()
    sessions = [service.funded_session("100000") for _ in range(3)]
    with Traffic(service, sessions, threads=8) as traffic:
        for _ in range(3):
            time.sleep(0.7)
            os.kill(service.workers()[0], signal.SIGKILL)
        wait_until(lambda: len(service.workers()) == 2)
        time.sleep(0.7)
    assert traffic.statuses()[200] > 50
    client = redis.Redis(port=durable_redis.port, decode_responses=True)
    assert_books_balance(client, [wallet for wallet, _ in sessions], traffic)


def test_redis_down_fails_fast_in_the_gpas_shape_and_recovers(
        durable_redis: RedisServer, start_service: Callable[..., Service]) -> None:
    service = start_service()
    _, session_id = service.funded_session("100")
    durable_redis.kill()
    answer = service.gpas.balance(session_id)
    assert (answer.status_code, answer.json) == (500, {"code": 1001, "type": "SYSTEM_ERROR",
                                                       "message": "System error"})
    assert service.http.open("/readyz").status_code == 503
    durable_redis.start()
    wait_until(lambda: service.http.open("/readyz").status_code == 200)
    wait_until(lambda: service.gpas.balance(session_id).status_code == 200)


def test_a_timed_out_script_call_is_never_retried(
        durable_redis: RedisServer, start_service: Callable[..., Service]) -> None:
    service = start_service(WALLETSVC_REDIS_TIMEOUT_MS="300")
    wallet_id, session_id = service.funded_session("100")
    reference = "bet-while-redis-is-frozen"
    durable_redis.pause()
    try:
        answer = service.gpas.debit(session_id, "10", reference)
    finally:
        durable_redis.resume()
    assert (answer.status_code, answer.json["code"]) == (500, 1001)
    client = redis.Redis(port=durable_redis.port, decode_responses=True)
    entries = stream_fields(client, keys.wallet_stream(wallet_id))
    applied = [e for e in entries if e.get("ref") == reference]
    assert len(applied) <= 1  # the frozen server may have run it once, never twice
    retry = service.gpas.debit(session_id, "10", reference)
    if applied:
        assert (retry.status_code, retry.json["code"]) == (400, 1003)
    else:
        assert retry.status_code == 200
    entries = stream_fields(client, keys.wallet_stream(wallet_id))
    assert [e["ref"] for e in entries if e.get("ref") == reference] == [reference]
    assert client.hget(keys.wallet(wallet_id), "real") == "9000"
