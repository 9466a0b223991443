"""Sentinel: walletsvc finds the primary through the Sentinels and follows a failover by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisBinary, RedisServer
from devkit.settings import FakeClock, base_config
from devkit.store import ready, stream_fields
from tests.ha.servers import MASTER_NAME, SentinelGroup, client, info, store_client, wait_for
from tests.support.answers import error_of
from walletsvc import create_app
from walletsvc.store import keys
from walletsvc.store.scripts import Script
from walletsvc.store.sentinel import PrimaryDemoted

pytestmark = [pytest.mark.realredis, pytest.mark.slow]
COUNT = "redis.call('GET', KEYS[1]); return redis.call('INCR', KEYS[1])"


@pytest.fixture
def group(tmp_path: Path, redis_binary: RedisBinary) -> Iterator[SentinelGroup]:
    """A primary, one replica and three Sentinels."""
    servers = SentinelGroup(tmp_path / "sentinel", binary=redis_binary)
    yield servers.start()
    servers.stop()


def _switch_behind_the_clients_back(group: SentinelGroup) -> int:
    """Promote the replica and demote the primary without closing anyone's connection (as a
    failover seen late, or a managed Redis, leaves them), and point the Sentinels at it."""
    old, new = group.primary, group.replicas[0]
    with client(new.port) as node:
        node.execute_command("REPLICAOF", "NO", "ONE")
    with client(old.port) as node:
        node.execute_command("REPLICAOF", "127.0.0.1", new.port)
    wait_for("the old primary to follow", lambda: info(old.port)["master_link_status"] == "up")
    for sentinel in group.sentinels:
        with sentinel.client() as node:
            node.execute_command("SENTINEL", "REMOVE", MASTER_NAME)
            node.execute_command("SENTINEL", "MONITOR", MASTER_NAME, "127.0.0.1", new.port, 2)
    return new.port


def test_the_client_reaches_the_primary_the_sentinels_name(group: SentinelGroup) -> None:
    store = store_client(group.url)
    store.set("through-sentinel", "yes")
    assert client(group.primary.port).get("through-sentinel") == "yes"


def test_a_readonly_reply_sends_the_call_once_to_the_new_primary(group: SentinelGroup) -> None:
    store = store_client(group.url)
    count = Script.of(store, COUNT)
    assert count({"counter": "counter"}, {}) == 1  # pooled: to the first primary
    new_primary = _switch_behind_the_clients_back(group)

    assert count({"counter": "counter"}, {}) == 2  # READONLY there, then the new one
    assert client(new_primary).get("counter") == "2"
    wait_for("the old primary to copy it", lambda: client(group.primary.port).get("counter") == "2")


def test_a_readonly_reply_at_a_fixed_address_fails_having_written_nothing(
        tmp_path: Path, redis_binary: RedisBinary, operators_url: str) -> None:
    primary = RedisServer(tmp_path / "a", binary=redis_binary).start()
    other = RedisServer(tmp_path / "b", "--replicaof", "127.0.0.1", str(primary.port),
                        binary=redis_binary).start()
    try:
        app = create_app(base_config(ledger_url=operators_url),
                         redis=ready(store_client(primary.url)),
                         clock=FakeClock())
        gpas, admin = GpasClient(app.test_client()), AdminClient(app.test_client())
        wallet_id, session_id = open_session(gpas, admin, real="100")
        assert gpas.balance(session_id).status_code == 200  # the session's wallet is known
        wait_for("the replica to sync", lambda: info(other.port)["master_link_status"] == "up")
        with client(other.port) as node:
            node.execute_command("REPLICAOF", "NO", "ONE")
        with client(primary.port) as node:
            node.execute_command("REPLICAOF", "127.0.0.1", other.port)
        wait_for("the demoted node to follow", lambda: info(primary.port)["master_link_status"]
                 == "up")

        assert error_of(gpas.debit(session_id, "10")) == (500, 1001, "SYSTEM_ERROR")
        with pytest.raises(PrimaryDemoted):
            store_client(primary.url).set("x", "1")
        assert client(other.port).hget(keys.wallet(wallet_id), "real") == "10000"
        stream = stream_fields(client(other.port), keys.wallet_stream(wallet_id))
        assert [e["event"] for e in stream] == ["deposit"]
    finally:
        other.stop()
        primary.stop()


def test_a_malformed_sentinel_url_stops_start_up_naming_the_setting() -> None:
    from walletsvc.config import ConfigError

    with pytest.raises(ConfigError, match="WALLETSVC_REDIS_URL"):
        create_app(base_config(redis_url="redis+sentinel://127.0.0.1:26379"))


def test_the_sentinels_password_is_sent_to_the_sentinels(tmp_path: Path, redis_binary: RedisBinary
                                                         ) -> None:
    servers = SentinelGroup(tmp_path / "locked", binary=redis_binary,
                            sentinel_password="sentinel-secret")
    servers.start()
    try:
        with pytest.raises(redis.ConnectionError):
            store_client(servers.url).ping()  # no password: the Sentinels refuse to say
        store = store_client(servers.url, sentinel_auth=(None, "sentinel-secret"))
        assert store.ping() is True
    finally:
        servers.stop()
