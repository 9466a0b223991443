"""Overload through real gunicorn (the shipped gevent workers).

A worker past its in-flight limit answers 503 OVERLOADED with Retry-After and applies nothing,
while its probes and metrics are still served; more requests at once than redis-py's own pool
allowed (100) each get a Redis connection; and under a burst every answer is a 200 applied
once or a 503 applied never, never a 500. Requests are held in flight by pausing Redis's
writes (CLIENT PAUSE WRITE holds every script call), so no test depends on timing.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from devkit.redis import RedisServer
from devkit.store import applied_references
from tests.support.service import Answer, Service
from tests.support.store import writes_paused
from walletsvc.store import connect

pytestmark = [pytest.mark.slow, pytest.mark.realredis]
IN_FLIGHT = "walletsvc_requests_in_flight"
# A paused script call must not time out while a test holds it (production: 2 s).
PATIENT = {"WALLETSVC_REDIS_TIMEOUT_MS": "60000"}


@contextmanager
def running(server: RedisServer, tmp_path: Path, ledger_url: str, workers: int = 2,
            **settings: str) -> Iterator[Service]:
    """walletsvc under gunicorn over ``server`` with ``settings``."""
    service = Service(server.url, tmp_path / "gunicorn.log", ledger_url, workers=workers,
                      **settings).start()
    try:
        yield service
    finally:
        service.stop()


def log_lines(service: Service, message: str) -> list[dict[str, Any]]:
    """Return the service's JSON log lines whose ``msg`` is ``message``."""
    lines = [json.loads(line) for line in service.log.read_text().splitlines()
             if line.startswith("{")]
    return [line for line in lines if line.get("msg") == message]


def applied(server: RedisServer, wallet_id: str) -> dict[str, int]:
    """Return how many times each reference was applied to the wallet."""
    client = connect(server.url, 5.0)
    try:
        return dict(applied_references(client, [wallet_id]))
    finally:
        client.close()


def debit_in_thread(service: Service, session_id: str, reference: str,
                    answers: dict[str, Answer]) -> threading.Thread:
    """Start a debit of 1.00 in a thread of its own; its answer lands in ``answers``."""
    def send() -> None:
        answers[reference] = service.gpas.debit(session_id, "1", reference=reference)

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def test_past_its_in_flight_limit_a_worker_answers_503_overloaded_and_applies_nothing(
        newest_redis_server: RedisServer, tmp_path: Path, operators_url: str) -> None:
    with running(newest_redis_server, tmp_path, operators_url, workers=1,
                 WALLETSVC_MAX_IN_FLIGHT="1", WALLETSVC_ADMISSION_WAIT_MS="0",
                 **PATIENT) as service:
        wallet_id, session_id = service.funded_session("100")
        held, extra = f"held-{uuid.uuid4().hex}", f"extra-{uuid.uuid4().hex}"
        answers: dict[str, Answer] = {}
        with writes_paused(newest_redis_server.port):
            holder = debit_in_thread(service, session_id, held, answers)
            service.wait_for_metric(IN_FLIGHT, 1)
            refused = service.gpas.debit(session_id, "1", reference=extra)
            probes = {path: service.http.open(path).status_code
                      for path in ("/healthz", "/readyz", "/metrics")}
        holder.join(timeout=60)

        assert (refused.status_code, refused.json["code"], refused.json["type"]) == (
            503, 1001, "OVERLOADED")
        assert refused.headers["Retry-After"] == "1"
        assert probes == {"/healthz": 200, "/readyz": 200, "/metrics": 200}
        assert answers[held].status_code == 200
        assert applied(newest_redis_server, wallet_id) == {held: 1}
        assert service.gpas.debit(session_id, "1", reference=extra).status_code == 200
        assert applied(newest_redis_server, wallet_id) == {held: 1, extra: 1}
        assert [line["reason"] for line in log_lines(service, "overload")] == ["admission"]
        assert log_lines(service, "store failure") == []
        assert service.metric('walletsvc_requests_shed_total{reason="admission"}') == 1


def test_more_requests_at_once_than_redis_pys_own_pool_allowed_each_get_a_connection(
        newest_redis_server: RedisServer, tmp_path: Path, operators_url: str) -> None:
    # redis-py's pool stopped at 100: the 101st call at once failed with 500 "Too many
    # connections", logged as Redis unreachable.
    at_once = 150
    with running(newest_redis_server, tmp_path, operators_url, workers=1,
                 WALLETSVC_MAX_IN_FLIGHT=str(at_once), **PATIENT) as service:
        wallet_id, session_id = service.funded_session("1000")
        references = [f"many-{n}-{uuid.uuid4().hex}" for n in range(at_once)]
        answers: dict[str, Answer] = {}
        with writes_paused(newest_redis_server.port) as redis_client:
            before = int(redis_client.info("clients")["connected_clients"])
            threads = [debit_in_thread(service, session_id, ref, answers) for ref in references]
            service.wait_for_metric(IN_FLIGHT, at_once)
            wait_for_clients(redis_client, before + at_once)  # every one holds its own
        for thread in threads:
            thread.join(timeout=60)

        assert {answer.status_code for answer in answers.values()} == {200}
        assert applied(newest_redis_server, wallet_id) == dict.fromkeys(references, 1)
        assert log_lines(service, "store failure") == []


def wait_for_clients(client: redis.Redis, count: int, seconds: float = 30) -> None:
    """Wait until Redis has ``count`` connected clients."""
    deadline = time.monotonic() + seconds
    while int(client.info("clients")["connected_clients"]) < count:
        assert time.monotonic() < deadline, f"Redis never had {count} clients"
        time.sleep(0.02)


def test_under_a_burst_every_answer_is_a_200_applied_once_or_a_503_applied_never(
        newest_redis_server: RedisServer, tmp_path: Path, operators_url: str) -> None:
    with running(newest_redis_server, tmp_path, operators_url, WALLETSVC_MAX_IN_FLIGHT="2",
                 WALLETSVC_ADMISSION_WAIT_MS="0") as service:
        wallet_id, session_id = service.funded_session("10000")
        answers: dict[str, Answer] = {}
        threads = [debit_in_thread(service, session_id, f"burst-{n}-{uuid.uuid4().hex}",
                                   answers) for n in range(200)]
        for thread in threads:
            thread.join(timeout=60)

        by_status = {status: [ref for ref, a in answers.items() if a.status_code == status]
                     for status in {a.status_code for a in answers.values()}}
        assert set(by_status) <= {200, 503}
        assert by_status[200]
        for ref in by_status.get(503, []):
            assert answers[ref].json["type"] == "OVERLOADED"
            assert answers[ref].headers["Retry-After"] == "1"
        counts = applied(newest_redis_server, wallet_id)
        assert sorted(counts) == sorted(by_status[200])
        assert set(counts.values()) == {1}
        assert len(log_lines(service, "overload")) == len(by_status.get(503, []))
        assert log_lines(service, "store failure") == []
