"""Redis refuses writes (out of memory, a read-only replica, a disk error) or is down.

Movements answer 500/1001 and nothing is half-applied, the balance still reads, /readyz says
why, each failure is one log line and a count, and the service recovers by itself. Real servers
only: fakeredis refuses nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis.exceptions import OutOfMemoryError

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisBinary, RedisServer
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from devkit.store import ready
from tests.support.answers import error_of
from tests.support.store import snapshot
from tests.support.writes import store_writes
from walletsvc import create_app
from walletsvc.store import RedisClient, connect

pytestmark = pytest.mark.realredis
SYSTEM_ERROR = (500, 1001, "SYSTEM_ERROR")
JUNK = "junk:"
WRITES = ["debit", "credit", "rollback", "close", "open", "deposit", "withdrawal",
          "create-wallet", "block", "launch-token"]


@dataclass
class Wallet:
    """An app on one real server, a wallet with 100 REAL, an open session that bet 10."""

    app: Flask
    redis: RedisClient
    gpas: GpasClient
    admin: AdminClient
    wallet_id: str
    session_id: str
    token: str

    def writes(self) -> dict[str, Callable[[], Any]]:
        """Every write, on this wallet."""
        return store_writes(self.gpas, self.admin, self.wallet_id, self.session_id, self.token)

    def stored(self) -> dict[str, Any]:
        """Every key's value but the filler that took the memory."""
        return {k: v for k, v in snapshot(self.redis).items() if not k.startswith(JUNK)}


def in_play(server: RedisServer, ledger_url: str) -> Wallet:
    """Open a session on a new wallet of an app over ``server`` (its operators at
    ``ledger_url``)."""
    redis = ready(connect(server.url, socket_timeout=5.0))
    app = create_app(base_config(ledger_url=ledger_url), redis=redis, clock=FakeClock())
    gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    return Wallet(app, redis, gpas, admin, wallet_id, session_id, admin.token(wallet_id))


@pytest.fixture
def server(tmp_path: Path, redis_binary: RedisBinary) -> Iterator[RedisServer]:
    """A redis-server of this test's own, of each version; CONFIG SET may move its ``dir``."""
    started = RedisServer(tmp_path / "redis", *redis_binary.protected_configs_allowed,
                          binary=redis_binary).start()
    yield started
    started.stop()


def assert_writes_refused_whole(wallet: Wallet, store_log: list[dict[str, Any]], kind: str
                                ) -> None:
    """Every write answers 500/1001, leaves every key as it was, and logs one line of ``kind``."""
    before = wallet.stored()
    for name, write in wallet.writes().items():
        store_log.clear()
        assert error_of(write()) == SYSTEM_ERROR, name
        assert wallet.stored() == before, name
        assert [(line["kind"], "exc" in line) for line in store_log] == [(kind, False)], name
    assert wallet.stored() == before


def assert_balance_reads(wallet: Wallet, store_log: list[dict[str, Any]], kind: str) -> None:
    """The balance answers from what is stored, logging the refresh it could not write."""
    store_log.clear()
    before = wallet.stored()
    response = wallet.gpas.balance(wallet.session_id)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert json_of(response)["leftBalance"] == 90
    assert wallet.stored() == before
    assert [line["kind"] for line in store_log] == [kind]


def assert_not_ready_because(wallet: Wallet, words: str) -> None:
    client = wallet.app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert words in " ".join(json_of(ready)["problems"]), ready.json
    metrics = client.get("/metrics").get_data(as_text=True)
    assert "walletsvc_ready 0.0" in metrics


def assert_recovered(wallet: Wallet) -> None:
    assert wallet.app.test_client().get("/readyz").status_code == 200
    for name, write in wallet.writes().items():
        assert write().status_code in (200, 201), name
    assert wallet.admin.balance(wallet.wallet_id)["real"] == 90 - 1 + 1 + 10 + 1 - 1


def counted(wallet: Wallet, kind: str) -> float:
    text = wallet.app.test_client().get("/metrics").get_data(as_text=True)
    sample = f'walletsvc_store_failures_total{{kind="{kind}"}}'
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(sample + " "))


def test_out_of_memory_refuses_every_write_whole_and_recovers(
        server: RedisServer, store_log: list[dict[str, Any]], operators_url: str) -> None:
    wallet = in_play(server, operators_url)
    redis = wallet.redis
    redis.config_set("maxmemory", int(redis.info("memory")["used_memory"]) + 512 * 1024)
    filled = 0
    with pytest.raises(OutOfMemoryError):
        while filled < 10_000:
            redis.set(f"{JUNK}{filled}", "x" * 8192)
            filled += 1
    assert filled > 10
    failures_before = counted(wallet, "out_of_memory")
    assert_writes_refused_whole(wallet, store_log, "out_of_memory")
    assert counted(wallet, "out_of_memory") == failures_before + len(WRITES)
    assert_balance_reads(wallet, store_log, "out_of_memory")
    assert_not_ready_because(wallet, "out of memory")
    redis.config_set("maxmemory", 0)
    assert_recovered(wallet)


def test_read_only_replica_refuses_every_write_whole_and_recovers_once_promoted(
        tmp_path: Path, server: RedisServer, store_log: list[dict[str, Any]],
        operators_url: str) -> None:
    primary = in_play(server, operators_url)
    replica_server = RedisServer(tmp_path / "replica", binary=server.binary).start()
    try:
        replica_redis = connect(replica_server.url, socket_timeout=5.0)
        replica_redis.replicaof("127.0.0.1", server.port)
        deadline = time.monotonic() + 30
        while replica_redis.info("replication").get("master_link_status") != "up":
            assert time.monotonic() < deadline, "the replica did not sync"
            time.sleep(0.05)
        assert primary.redis.wait(1, 10_000) == 1
        # The service pointed at what is now a replica (a failover it did not follow).
        app = create_app(base_config(ledger_url=operators_url), redis=replica_redis,
                         clock=primary.app.extensions["walletsvc"].clock)
        client = app.test_client()
        replica = Wallet(app, replica_redis, GpasClient(client), AdminClient(client),
                         primary.wallet_id, primary.session_id, primary.token)
        assert replica.stored() == primary.stored()
        assert_writes_refused_whole(replica, store_log, "read_only")
        assert_balance_reads(replica, store_log, "read_only")
        assert_not_ready_because(replica, "replica")
        replica_redis.replicaof("NO", "ONE")
        assert_recovered(replica)
    finally:
        replica_server.stop()


def test_disk_error_refuses_every_write_whole_and_recovers(
        tmp_path: Path, server: RedisServer, store_log: list[dict[str, Any]],
        operators_url: str) -> None:
    wallet = in_play(server, operators_url)
    redis = wallet.redis
    redis.config_set("save", "3600 1")  # MISCONF applies where snapshots are configured
    lost = tmp_path / "lost-disk"
    lost.mkdir()
    redis.config_set("dir", str(lost))
    shutil.rmtree(lost)
    redis.bgsave()
    wait_for_snapshot(redis, "err")
    assert_writes_refused_whole(wallet, store_log, "misconf")
    assert_balance_reads(wallet, store_log, "misconf")
    assert_not_ready_because(wallet, "persistence is failing")
    lost.mkdir()
    redis.config_set("dir", str(lost))
    redis.bgsave()
    wait_for_snapshot(redis, "ok")
    assert_recovered(wallet)


def wait_for_snapshot(redis: RedisClient, status: str) -> None:
    deadline = time.monotonic() + 30
    while (redis.info("persistence")["rdb_last_bgsave_status"] != status
           or redis.info("persistence")["rdb_bgsave_in_progress"]):
        assert time.monotonic() < deadline, f"the snapshot did not end {status}"
        time.sleep(0.05)


def test_metrics_are_served_while_redis_is_down_with_its_gauges_left_out(
        server: RedisServer, store_log: list[dict[str, Any]], operators_url: str) -> None:
    wallet = in_play(server, operators_url)
    client = wallet.app.test_client()
    up = client.get("/metrics").get_data(as_text=True)
    assert "walletsvc_ready 1.0" in up and "walletsvc_open_sessions 1.0" in up
    server.kill()
    assert error_of(wallet.gpas.debit(wallet.session_id, "1")) == SYSTEM_ERROR
    assert [line["kind"] for line in store_log] == ["unreachable"]
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    text = scraped.get_data(as_text=True)
    assert "walletsvc_ready 0.0" in text
    assert "walletsvc_open_sessions" not in text
    assert 'walletsvc_requests_total{code="1001",endpoint="/movements/debit",status="500"}' in text
    assert counted(wallet, "unreachable") >= 1
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert json_of(ready)["redis"] == "unreachable"
