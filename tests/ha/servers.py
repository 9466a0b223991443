"""Replicated Redis setups on loopback, started by the suite: a Sentinel group and a cluster with
a replica per master, their data nodes built from ``devkit.redis.RedisServer``."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import redis

from devkit.redis import RedisBinary, RedisServer, default_binary, free_port
from tests.ha.proxy import TcpProxy
from walletsvc.store import RedisClient, connect

# What `make run` gives a node: the append-only file, fsynced before each reply.
DURABLE = ("--appendonly", "yes", "--appendfsync", "always")
MASTER_NAME = "walletsvc"
# As the deployment guide sets it. With 1000, a primary just promoted under the failover
# tests' load once missed the Sentinels' pings for a second, and they failed over a second
# time: nothing acknowledged was lost, but writes stopped for about 19 s.
DOWN_AFTER_MS = 2000
NODE_TIMEOUT_MS = 2000


def wait_for(what: str, predicate: Callable[[], object], seconds: float = 60) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if predicate():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


_OPEN: list[Any] = []
Opened = TypeVar("Opened")


def client(port: int) -> redis.Redis:
    """A plain client of a loopback node (the test's own view, not the service's)."""
    return opened(redis.Redis(port=port, decode_responses=True, socket_timeout=5))


def store_client(url: str, **options: Any) -> RedisClient:
    """A client configured as walletsvc's (``walletsvc.store.connect``), closed after the test."""
    return opened(connect(url, 5.0, **options))


def opened(each: Opened) -> Opened:
    """Remember a client, to close it (and a Sentinel client's Sentinels) after the test."""
    _OPEN.append(each)
    return each


def close_clients() -> None:
    """Close every client the test opened: an unclosed socket is a warning, and so an error."""
    while _OPEN:
        each = _OPEN.pop()
        sentinels = getattr(getattr(each, "connection_pool", None), "sentinel_manager", None)
        each.close()
        if sentinels is not None:
            sentinels.close()


def info(port: int, section: str = "replication") -> dict[str, Any]:
    """Return a section of a node's INFO."""
    with client(port) as node:
        return dict(node.info(section))


class SentinelServer:
    """One ``redis-server --sentinel`` watching the master ``MASTER_NAME``."""

    def __init__(self, directory: Path, primary_port: int, binary: str,
                 password: str | None = None) -> None:
        self.directory = directory
        self.password = password
        self.port = free_port()
        self.primary_port = primary_port
        self.binary = binary
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> SentinelServer:
        """Write the config (Sentinel rewrites it as it learns), start, wait for PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "sentinel.conf"
        config.write_text("\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.directory}",
            "logfile sentinel.log",
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.primary_port} 2",
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
            # Long enough that a replica linked through a proxy is never "corrected" mid-test.
            f"sentinel failover-timeout {MASTER_NAME} 60000",
            f"sentinel parallel-syncs {MASTER_NAME} 1",
            *([f"requirepass {self.password}", f"sentinel sentinel-pass {self.password}"]
              if self.password else []), ""]))
        # Sentinel needs its config file as the first argument, so not RedisServer's layout.
        self.process = subprocess.Popen([self.binary, str(config), "--sentinel"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"the Sentinel in {self.directory}", lambda: self.client().ping(), 20)
        return self

    def client(self) -> redis.Redis:
        """A client of this Sentinel (with its password)."""
        return opened(redis.Redis(port=self.port, password=self.password,
                                  decode_responses=True, socket_timeout=5))

    def primary(self) -> int | None:
        """Return the port of the primary this Sentinel names now."""
        with self.client() as sentinel:
            address = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
        return int(address[1]) if address else None

    def stop(self) -> None:
        """Stop the Sentinel."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SentinelGroup:
    """A primary, its replicas and three Sentinels; ``through_proxy`` links the first replica
    to the primary through a TcpProxy the test can cut."""

    def __init__(self, directory: Path, binary: RedisBinary | None = None, replicas: int = 1,
                 through_proxy: bool = False, data: tuple[str, ...] = DURABLE,
                 sentinel_password: str | None = None) -> None:
        self.binary = binary or default_binary()
        self.primary = RedisServer(directory / "node0", *data, binary=self.binary)
        self.proxy = TcpProxy(self.primary.port) if through_proxy else None
        self.replicas = [
            RedisServer(directory / f"node{n + 1}", *data, "--replicaof", "127.0.0.1",
                        str(self.proxy.port if self.proxy and n == 0 else self.primary.port),
                        binary=self.binary)
            for n in range(replicas)]
        self.sentinels = [SentinelServer(directory / f"sentinel{n}", self.primary.port,
                                         self.binary.path, sentinel_password) for n in range(3)]

    @property
    def url(self) -> str:
        """Return the ``redis+sentinel://`` URL walletsvc is given."""
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        return f"redis+sentinel://{hosts}/{MASTER_NAME}/0"

    @property
    def nodes(self) -> list[RedisServer]:
        """Return every data node, the first primary first."""
        return [self.primary, *self.replicas]

    def start(self) -> SentinelGroup:
        """Start the nodes and Sentinels; wait until every replica and Sentinel is known."""
        self.primary.start()
        if self.proxy:
            self.proxy.start()
        for replica in self.replicas:
            replica.start()
        wait_for("the replicas to sync", lambda: all(
            info(replica.port)["master_link_status"] == "up" for replica in self.replicas))
        for sentinel in self.sentinels:
            sentinel.start()
        wait_for("the Sentinels to know each other and the replicas", self._sentinels_ready)
        return self

    def _sentinels_ready(self) -> bool:
        for sentinel in self.sentinels:
            with sentinel.client() as node:
                state = node.sentinel_master(MASTER_NAME)
            if (int(state["num-slaves"]) < len(self.replicas)
                    or int(state["num-other-sentinels"]) < len(self.sentinels) - 1):
                return False
        return True

    def primary_port(self) -> int | None:
        """Return the port the Sentinels' majority names as the primary."""
        named = [sentinel.primary() for sentinel in self.sentinels]
        best = max(set(named), key=named.count)
        return best if named.count(best) >= 2 else None

    def node(self, port: int) -> RedisServer:
        """Return the data node on ``port``."""
        return next(node for node in self.nodes if node.port == port)

    def wait_for_promotion(self, old_port: int, seconds: float = 60) -> int:
        """Wait until the Sentinels name another primary that says it is one; return it."""
        def promoted() -> bool:
            port = self.primary_port()
            return port is not None and port != old_port and info(port)["role"] == "master"

        wait_for("the Sentinels to promote a replica", promoted, seconds)
        port = self.primary_port()
        assert port is not None
        return port

    def stop(self) -> None:
        """Stop everything that was started."""
        for sentinel in self.sentinels:
            sentinel.stop()
        if self.proxy:
            self.proxy.stop()
        stop_nodes(self.nodes)


def stop_nodes(nodes: list[RedisServer]) -> None:
    """Stop data nodes, waking any the test froze first (a frozen one cannot take SIGTERM)."""
    for node in nodes:
        if node.process and node.process.poll() is None:
            node.resume()
            node.stop()


class ClusterWithReplicas:
    """A Redis Cluster of three masters with one replica each, on loopback.

    ``cluster-require-full-coverage no``: while one master's slots fail over, the other
    masters keep answering (with ``yes`` the whole cluster refuses every command until the
    failed slots have a master again).
    """

    SLOTS = 16384

    def __init__(self, directory: Path, binary: RedisBinary | None = None, masters: int = 3,
                 full_coverage: bool = False) -> None:
        options = ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                   "--cluster-node-timeout", str(NODE_TIMEOUT_MS),
                   "--cluster-require-full-coverage", "yes" if full_coverage else "no", *DURABLE)
        self.masters = [RedisServer(directory / f"master{n}", *options, binary=binary)
                        for n in range(masters)]
        self.replicas = [RedisServer(directory / f"replica{n}", *options, binary=binary)
                         for n in range(masters)]

    @property
    def url(self) -> str:
        """Return the cluster URL walletsvc is given."""
        return f"redis+cluster://127.0.0.1:{self.masters[0].port}"

    @property
    def nodes(self) -> list[RedisServer]:
        """Return every node, masters first."""
        return [*self.masters, *self.replicas]

    def start(self) -> ClusterWithReplicas:
        """Start the nodes, split the slots over the masters, give each master its replica."""
        for node in self.nodes:
            node.start()
        share = self.SLOTS // len(self.masters) + 1
        for node in self.nodes:
            with client(node.port) as each:
                each.execute_command("CLUSTER", "MEET", "127.0.0.1", self.masters[0].port)
        for n, master in enumerate(self.masters):
            with client(master.port) as each:
                slots = range(n * share, min((n + 1) * share, self.SLOTS))
                each.execute_command("CLUSTER", "ADDSLOTS", *slots)
        wait_for("every node to know every other", lambda: all(
            _known_nodes(node.port) == len(self.nodes) for node in self.nodes))
        for master, replica in zip(self.masters, self.replicas, strict=True):
            with client(master.port) as each:
                master_id = each.execute_command("CLUSTER", "MYID")
            with client(replica.port) as each:
                each.execute_command("CLUSTER", "REPLICATE", master_id)
        wait_for("the cluster to be ok with a synced replica per master", self._ready)
        return self

    def _ready(self) -> bool:
        return all(_cluster_state(node.port) == "ok" for node in self.nodes) and all(
            info(replica.port)["master_link_status"] == "up" for replica in self.replicas)

    def stop(self) -> None:
        """Stop every node."""
        stop_nodes(self.nodes)


def _cluster_info(port: int) -> dict[str, str]:
    with client(port) as node:
        text = node.execute_command("CLUSTER", "INFO")
    return dict(line.split(":", 1) for line in text.split() if ":" in line)


def _cluster_state(port: int) -> str:
    return _cluster_info(port)["cluster_state"]


def _known_nodes(port: int) -> int:
    return int(_cluster_info(port)["cluster_known_nodes"])
