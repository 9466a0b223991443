"""``redis+sentinel://`` URLs: what they name, and what start-up refuses."""

from __future__ import annotations

import pytest
import redis
from redis.connection import BlockingConnectionPool
from redis.sentinel import SentinelConnectionPool

from walletsvc.config import ConfigError
from walletsvc.store import connect
from walletsvc.store.client import DEFAULT_CONNECTIONS
from walletsvc.store.sentinel import SentinelPrimaryConnection, SentinelTarget, parse_sentinel_url


@pytest.mark.parametrize(("url", "target"), [
    ("redis+sentinel://10.0.0.1:26379/wallet",
     SentinelTarget((("10.0.0.1", 26379),), "wallet")),
    ("redis+sentinel://a:1,b:2,c:3/wallet/4",
     SentinelTarget((("a", 1), ("b", 2), ("c", 3)), "wallet", db=4)),
    ("redis+sentinel://:s%40cret@a:1/m", SentinelTarget((("a", 1),), "m", password="s@cret")),
    ("redis+sentinel://app:pw@a:1/m/0",
     SentinelTarget((("a", 1),), "m", username="app", password="pw")),
    ("rediss+sentinel://[::1]:26379/m", SentinelTarget((("::1", 26379),), "m", tls=True)),
])
def test_a_sentinel_url_names_sentinels_master_database_and_login(
        url: str, target: SentinelTarget) -> None:
    assert parse_sentinel_url(url) == target


@pytest.mark.parametrize("url", [
    "redis+sentinel://a:1",                 # no master
    "redis+sentinel://a:1/",                # no master
    "redis+sentinel://a/m",                 # no port
    "redis+sentinel://a:1,b/m",             # one Sentinel without a port
    "redis+sentinel://a:99999/m",           # no such port
    "redis+sentinel://a:1/m/zero",          # database not a number
    "redis+sentinel://a:1/m/0/extra",
    "redis+sentinel://a:1/m?db=2",
])
def test_a_malformed_sentinel_url_is_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_REDIS_URL"):
        parse_sentinel_url(url)


def test_a_sentinel_url_gives_a_client_that_asks_the_sentinels_for_the_primary() -> None:
    client = connect("redis+sentinel://:data-pw@127.0.0.1:1,127.0.0.1:2/wallet/3", 0.5,
                     sentinel_auth=("watcher", "sentinel-pw"))
    assert isinstance(client, redis.Redis)
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool)
    # It waits for a free connection as every other pool does (walletsvc/store/client.py).
    assert isinstance(pool, BlockingConnectionPool)
    assert (pool.max_connections, pool.timeout) == (DEFAULT_CONNECTIONS, 0.5)
    assert pool.service_name == "wallet"
    assert pool.connection_class is SentinelPrimaryConnection
    assert (pool.connection_kwargs["db"], pool.connection_kwargs["password"]) == (3, "data-pw")
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [1, 2]
    assert {(s.connection_pool.connection_kwargs["username"],
             s.connection_pool.connection_kwargs["password"]) for s in sentinels} == {
        ("watcher", "sentinel-pw")}


def test_no_command_is_retried_but_a_demoted_primarys_refusal() -> None:
    from redis.exceptions import ConnectionError, TimeoutError

    from walletsvc.store.sentinel import PrimaryDemoted

    for url in ("redis://127.0.0.1:1/0", "redis+sentinel://127.0.0.1:1/wallet"):
        client = connect(url, 0.5)
        assert isinstance(client, redis.Redis)
        retry = client.connection_pool.connection_kwargs["retry"]
        assert retry.get_retries() == 1
        assert set(retry._supported_errors) == {PrimaryDemoted}
        assert not {ConnectionError, TimeoutError} & set(retry._supported_errors)
