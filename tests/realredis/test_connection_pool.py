"""The Redis pool (walletsvc/store/client.py): as many connections at once as it is given
(redis-py's own pool stops at 100 with "Too many connections", a ConnectionError that read as
Redis unreachable), and a call that finds none free waits, then is refused as overload."""

from __future__ import annotations

import pytest
import redis
from redis.cluster import RedisCluster
from redis.connection import BlockingConnectionPool
from redis.exceptions import ConnectionError

from devkit.redis import RedisClusterServers, RedisServer
from walletsvc.errors import Overloaded
from walletsvc.store import connect

pytestmark = pytest.mark.realredis


def test_a_pool_holds_more_connections_at_once_than_redis_pys_default_of_100(
        newest_redis_server: RedisServer) -> None:
    client = connect(newest_redis_server.url, 5.0, connections=150)
    assert isinstance(client, redis.Redis)
    pool = client.connection_pool
    held = [pool.get_connection() for _ in range(150)]
    try:
        for connection in held:  # each one open, and talking to Redis
            connection.send_command("PING")
            assert connection.read_response() == "PONG"
    finally:
        for connection in held:
            pool.release(connection)
        client.close()


def test_a_call_finding_no_connection_free_waits_then_is_refused_as_overload(
        newest_redis_server: RedisServer) -> None:
    client = connect(newest_redis_server.url, 0.2, connections=2)
    assert isinstance(client, redis.Redis)
    pool = client.connection_pool
    held = [pool.get_connection() for _ in range(2)]
    try:
        with pytest.raises(Overloaded) as refused:
            client.ping()
        assert refused.value.reason == "redis_pool"
        assert not isinstance(refused.value, ConnectionError)
        pool.release(held.pop())
        assert client.ping()
    finally:
        for connection in held:
            pool.release(connection)
        client.close()


def test_a_cluster_client_waits_for_each_nodes_connections_the_same_way(
        redis_cluster: RedisClusterServers) -> None:
    client = connect(redis_cluster.url, 0.2, connections=2)
    assert isinstance(client, RedisCluster)
    node = client.get_primaries()[0]
    pool = client.get_redis_connection(node).connection_pool
    try:
        assert isinstance(pool, BlockingConnectionPool)
        assert pool.max_connections == 2
        held = [pool.get_connection() for _ in range(2)]
        with pytest.raises(Overloaded):
            client.ping(target_nodes=node)
        pool.release(held.pop())
        assert client.ping(target_nodes=node)
        pool.release(held.pop())
    finally:
        client.close()
        pool.disconnect()  # a node's pool is not the cluster client's to close
