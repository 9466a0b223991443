"""Admission control (walletsvc/admission.py): beyond its in-flight limit a worker answers
503 OVERLOADED with Retry-After before anything touches Redis; probes and metrics are never
refused. In-process on fakeredis; tests/realredis/test_overload.py runs it under gunicorn."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from tests.conftest import JsonLines
from tests.support.answers import assert_refused
from tests.support.store import FakeRedis
from walletsvc import errors
from walletsvc.admission import EXTENSION, Admission
from walletsvc.observability import OVERLOAD_LOGGER, STORE_LOGGER
from walletsvc.store import RedisClient

OVERLOADED = (503, 1001, "OVERLOADED")
UNSHED = {"health.healthz", "health.readyz", "metrics.scrape"}


@pytest.fixture
def redis_client() -> RedisClient:
    """The store: admission never reaches it, so fakeredis alone."""
    return FakeRedis()


@pytest.fixture
def one_turn(make_app: Callable[..., Flask]) -> tuple[Flask, Admission]:
    """An app that serves one request at once and lets no other wait."""
    app = make_app(max_in_flight=1, admission_wait_ms=0)
    return app, app.extensions[EXTENSION]


@pytest.fixture
def saturated(one_turn: tuple[Flask, Admission]) -> Iterator[tuple[Flask, Admission]]:
    """The one-turn app with its turn taken."""
    app, admission = one_turn
    assert admission.enter()
    yield app, admission
    admission.leave()


@pytest.fixture
def overload_log() -> Iterator[list[dict[str, Any]]]:
    """The overload and store-failure lines logged during the test."""
    handler = JsonLines()
    loggers = [logging.getLogger(name) for name in (OVERLOAD_LOGGER, STORE_LOGGER)]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


def shed_count() -> float:
    """Return how many requests this process refused at admission so far."""
    return REGISTRY.get_sample_value("walletsvc_requests_shed_total",
                                     {"reason": "admission"}) or 0.0


def test_a_debit_beyond_the_limit_is_refused_503_with_retry_after_and_moves_nothing(
        one_turn: tuple[Flask, Admission], redis_client: RedisClient) -> None:
    app, admission = one_turn
    client = app.test_client()
    _, session_id = open_session(GpasClient(client), AdminClient(client))
    assert admission.enter()

    refused = assert_refused(redis_client, lambda: GpasClient(client).debit(
        session_id, "10", reference="bet-1"), OVERLOADED)

    assert refused.headers["Retry-After"] == "1"
    assert json_of(refused)["message"] == errors.Overloaded.message
    admission.leave()
    assert GpasClient(client).debit(session_id, "10", reference="bet-1").status_code == 200


def test_every_kind_of_call_but_probes_and_metrics_is_refused_when_no_turn_is_free(
        saturated: tuple[Flask, Admission], redis_client: RedisClient) -> None:
    client = saturated[0].test_client()
    calls = {"balance": lambda: GpasClient(client).balance("s-1"),
             "admin": lambda: AdminClient(client).get("/wallets/w-1"),
             "unknown path": lambda: client.get("/nope"),
             "document": lambda: client.get("/openapi.json")}
    for call in calls.values():
        assert_refused(redis_client, call, OVERLOADED)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_health_readiness_and_metrics_are_served_when_no_turn_is_free(
        saturated: tuple[Flask, Admission], path: str) -> None:
    assert saturated[0].test_client().get(path).status_code == 200


def test_only_health_readiness_and_metrics_are_never_refused(app: Flask) -> None:
    unshed = {endpoint for endpoint, view in app.view_functions.items()
              if getattr(view, "walletsvc_unshed", False)}
    assert len(app.view_functions) > 20
    assert unshed == UNSHED


def test_a_refusal_is_logged_and_counted_as_overload_never_as_a_store_failure(
        saturated: tuple[Flask, Admission], overload_log: list[dict[str, Any]]) -> None:
    before = shed_count()
    client: FlaskClient = saturated[0].test_client()
    assert client.get("/nope").status_code == 503
    assert [(line["msg"], line["reason"]) for line in overload_log] == [("overload",
                                                                         "admission")]
    assert shed_count() == before + 1
    text = client.get("/metrics").get_data(as_text=True)
    assert 'walletsvc_requests_shed_total{reason="admission"}' in text
    assert "walletsvc_requests_in_flight" in text


def test_a_waiting_request_is_let_in_when_a_turn_is_given_back() -> None:
    admission = Admission(1, wait_s=30)
    assert admission.enter()
    let_in: list[bool] = []
    waiter = threading.Thread(target=lambda: let_in.append(admission.enter()))
    waiter.start()
    wait_for(lambda: admission.waiting == 1)
    admission.leave()
    waiter.join(timeout=30)
    assert let_in == [True]
    assert admission.waiting == 0


def test_turns_go_to_the_waiting_requests_in_the_order_they_came() -> None:
    admission = Admission(1, wait_s=30)
    assert admission.enter()
    order: list[int] = []

    def wait_for_a_turn(n: int) -> None:
        if admission.enter():
            order.append(n)

    waiters = []
    for n in range(3):
        waiter = threading.Thread(target=wait_for_a_turn, args=(n,))
        waiter.start()
        waiters.append(waiter)
        wait_for(lambda: admission.waiting == len(waiters))
    for _ in range(3):
        admission.leave()
        wait_for(lambda: len(order) == 3 - admission.waiting)
    for waiter in waiters:
        waiter.join(timeout=30)
    assert order == [0, 1, 2]


def test_a_request_whose_wait_runs_out_is_refused_and_leaves_the_queue() -> None:
    admission = Admission(1, wait_s=0.05)
    assert admission.enter()
    assert not admission.enter()
    assert admission.waiting == 0
    admission.leave()
    assert admission.enter()


def test_every_documented_call_lists_503_as_unavailable_naming_overload(app: Flask) -> None:
    document = app.test_client().get("/openapi.json").get_json()
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert operations
    for operation in operations:
        assert operation["responses"]["503"] == {"$ref": "#/components/responses/Unavailable"}
    description = document["components"]["responses"]["Unavailable"]["description"]
    assert "OVERLOADED" in description and "LEDGER_UNAVAILABLE" in description


def wait_for(predicate: Callable[[], bool], seconds: float = 30) -> None:
    """Wait until ``predicate`` holds (another thread gets there)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.01)


def test_the_in_flight_gauge_is_made_once_when_threads_reach_their_first_request_together(
        ) -> None:
    """The operator's gthread workers made the gauge twice and answered 500 (a fresh process,
    since the gauge is made once per process)."""
    race = ("import threading\n"
            "from walletsvc.observability import metrics\n"
            "start, failed = threading.Barrier(16), []\n"
            "def first_request():\n"
            "    start.wait()\n"
            "    try:\n"
            "        metrics.in_flight().inc()\n"
            "    except Exception as error:\n"
            "        failed.append(error)\n"
            "threads = [threading.Thread(target=first_request) for _ in range(16)]\n"
            "[thread.start() for thread in threads]\n"
            "[thread.join() for thread in threads]\n"
            "print(len(failed), metrics.in_flight()._value.get())\n")
    alone = {name: value for name, value in os.environ.items()
             if name != "PROMETHEUS_MULTIPROC_DIR"}
    for _ in range(5):
        done = subprocess.run([sys.executable, "-c", race], capture_output=True, text=True,
                              timeout=60, env=alone)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["0", "16.0"]
