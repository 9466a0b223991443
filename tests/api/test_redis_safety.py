"""No money moves on a Redis that may evict keys; the balance still reads (issue 12).

Runs on every store: fakeredis answers INFO with the policy the test sets, the real servers
with theirs (``CONFIG SET maxmemory-policy``, put back after each test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis.cluster import RedisCluster

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.support.answers import error_of
from tests.support.store import FakeRedis, snapshot
from tests.support.writes import store_writes
from walletsvc.store import RedisClient
from walletsvc.store.safety import POLICY_CHECK_SECONDS

SYSTEM_ERROR = (500, 1001, "SYSTEM_ERROR")


def set_policy(redis: RedisClient, policy: str) -> None:
    """Give every master of the store under test this maxmemory-policy."""
    if isinstance(redis, FakeRedis):
        redis.memory_policy = policy
    elif isinstance(redis, RedisCluster):
        redis.config_set("maxmemory-policy", policy, target_nodes=RedisCluster.PRIMARIES)
    else:
        redis.config_set("maxmemory-policy", policy)


@pytest.fixture
def evicting(redis_client: RedisClient, clock: FakeClock) -> Iterator[Callable[[str], None]]:
    """Switch the store to a policy and let the guard's check interval pass; restore after."""
    def switch(policy: str) -> None:
        set_policy(redis_client, policy)
        clock.advance(POLICY_CHECK_SECONDS)

    yield switch
    set_policy(redis_client, "noeviction")


WRITES = ["debit", "credit", "rollback", "close", "open", "deposit", "withdrawal",
          "create-wallet", "block", "launch-token"]


@pytest.mark.parametrize("policy", ["volatile-lru", "allkeys-lru", "volatile-ttl"])
@pytest.mark.parametrize("write", WRITES)
def test_write_on_a_redis_that_may_evict_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        evicting: Callable[[str], None], policy: str, write: str) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    token = admin.token(wallet_id)
    evicting(policy)
    before = snapshot(redis_client)
    response = store_writes(gpas, admin, wallet_id, session_id, token)[write]()
    assert error_of(response) == SYSTEM_ERROR, response.get_data(as_text=True)
    assert snapshot(redis_client) == before


def test_balance_still_answers_on_a_redis_that_may_evict_without_refreshing_the_session(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        evicting: Callable[[str], None], store_log: list[dict[str, Any]]) -> None:
    _, session_id = open_session(gpas, admin, real="100", bonus="5")
    evicting("volatile-lru")
    before = snapshot(redis_client)
    response = gpas.balance(session_id)
    assert response.status_code == 200
    assert json_of(response)["leftBalance"] == 105
    assert snapshot(redis_client) == before
    assert [line["kind"] for line in store_log] == ["eviction_policy"]


def test_readiness_names_the_memory_policy_and_the_fix(
        client: FlaskClient, evicting: Callable[[str], None]) -> None:
    assert client.get("/readyz").status_code == 200
    evicting("allkeys-lru")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = json_of(ready)
    assert body["status"] == "unavailable"
    problems = " ".join(body["problems"])
    assert "maxmemory-policy is allkeys-lru" in problems
    assert "set maxmemory-policy noeviction" in problems


def test_a_policy_changed_while_running_stops_writes_and_its_fix_resumes_them(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient, clock: FakeClock,
        evicting: Callable[[str], None]) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "1", reference="bet-1").status_code == 200
    evicting("volatile-lru")
    assert error_of(gpas.debit(session_id, "1", reference="bet-2")) == SYSTEM_ERROR
    set_policy(redis_client, "noeviction")
    clock.advance(POLICY_CHECK_SECONDS)
    assert gpas.debit(session_id, "1", reference="bet-2").status_code == 200
    assert admin.balance(wallet_id)["real"] == 98


def test_each_refused_write_logs_one_line_naming_the_policy_and_is_counted(
        gpas: GpasClient, admin: AdminClient, client: FlaskClient,
        evicting: Callable[[str], None], store_log: list[dict[str, Any]]) -> None:
    _, session_id = open_session(gpas, admin, real="100")
    evicting("volatile-lru")
    for n in range(3):
        assert error_of(gpas.debit(session_id, "1", reference=f"bet-{n}")) == SYSTEM_ERROR
    assert len(store_log) == 3
    for line in store_log:
        assert line["kind"] == "eviction_policy"
        assert "maxmemory-policy volatile-lru" in str(line["error"])
        assert line["outcome"] == "answered 500/1001"
        assert "exc" not in line
    scraped = client.get("/metrics").get_data(as_text=True)
    counted = [ln for ln in scraped.splitlines()
               if ln.startswith('walletsvc_store_failures_total{kind="eviction_policy"}')]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) >= 3
    assert "walletsvc_ready 0.0" in scraped
