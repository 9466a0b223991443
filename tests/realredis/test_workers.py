"""gunicorn runs the shipped worker class (gevent), which keeps connections alive and serves
several requests at once in one worker."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

import pytest

from devkit.redis import RedisServer
from tests.support.service import Service

pytestmark = [pytest.mark.slow, pytest.mark.realredis]


def test_the_shipped_worker_class_keeps_a_connection_for_request_after_request(
        redis_server: RedisServer, tmp_path: Path, operators_url: str) -> None:
    service = Service(redis_server.url, tmp_path / "gunicorn.log", operators_url, workers=1).start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        connection.connect()
        sock = connection.sock
        for _ in range(20):
            connection.request("GET", "/healthz")
            answer = connection.getresponse()
            assert (answer.status, answer.read()) == (200, b'{"status":"ok"}')
            assert not answer.will_close
        assert connection.sock is sock  # the same socket carried all twenty
        connection.close()
    finally:
        service.stop()
    assert "Using worker: gevent" in service.log.read_text()


def test_one_worker_serves_other_requests_while_one_client_holds_its_connection(
        redis_server: RedisServer, tmp_path: Path, operators_url: str) -> None:
    service = Service(redis_server.url, tmp_path / "gunicorn.log", operators_url, workers=1).start()
    try:
        idle = [http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
                for _ in range(8)]
        for connection in idle:  # eight clients connect and say nothing
            connection.connect()
        statuses: list[int] = []

        def ask() -> None:
            statuses.append(service.http.open("/healthz").status_code)

        askers = [threading.Thread(target=ask) for _ in range(8)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(timeout=10)
        assert statuses == [200] * 8  # a sync worker would wait on the first idle client
        for connection in idle:
            connection.close()
    finally:
        service.stop()
