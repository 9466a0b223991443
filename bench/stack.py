"""The stack under test: redis-server (or a 3-master cluster), and walletsvc, the floor and the
ceiling apps, each under gunicorn with the shipped config, optionally behind the reference
nginx; beside them walletsvc's operator process (its admin API sets the wallets up, as the
platform's demo operator) and the PostgreSQL that holds its operators, unless the settings name
a ledger already."""

from __future__ import annotations

import ast
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from bench import gpas, proxy
from devkit.operators import prepare
from devkit.postgres import LocalPostgres
from devkit.redis import RedisClusterServers, RedisServer, free_port
from devkit.store import initialise
from walletsvc.store import connect

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.conf.py"
OPERATOR_CONFIG = ROOT / "config" / "gunicorn-operator.conf.py"
# Where the kernel groups processes by session for the CPU (no systemd units here): the
# operator's gunicorn gets a session of its own, weighted as its unit's CPUWeight=10 weighs it
# against GPAS's 100 (an autogroup at nice 10 weighs 110 against 1024).
AUTOGROUP = Path("/proc/self/autogroup")
OPERATOR_GROUP_NICE = 10
# The variables each config reads its address, metrics folder and worker count from.
VARIABLES = {
    GUNICORN_CONFIG: ("WALLETSVC_BIND", "PROMETHEUS_MULTIPROC_DIR", "WALLETSVC_WORKERS"),
    OPERATOR_CONFIG: ("WALLETSVC_OPERATOR_BIND", "WALLETSVC_OPERATOR_METRICS_DIR",
                      "WALLETSVC_OPERATOR_WORKERS"),
}


def shipped_worker_class() -> str:
    """Return the worker class config/gunicorn.conf.py ships (read, not run: it has effects)."""
    for node in ast.parse(GUNICORN_CONFIG.read_text()).body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "worker_class" for t in node.targets)):
            return str(node.value.value)
    return "sync"  # gunicorn's own default


@dataclass(frozen=True)
class Serving:
    """How gunicorn serves the apps; None keeps what config/gunicorn.conf.py ships."""

    worker_class: str | None = None
    workers: int | None = None
    threads: int | None = None
    proxy: str = "none"

    def arguments(self) -> list[str]:
        """Return gunicorn's command-line options (they override the config file's)."""
        found = ["--worker-class", self.worker_class] if self.worker_class else []
        return found + (["--threads", str(self.threads)] if self.threads else [])

    def label(self, workers: int) -> str:
        """Return a short name: class, workers (x threads), and the proxy if any."""
        name = self.worker_class or shipped_worker_class()
        count = f"{workers}x{self.threads}" if self.threads else str(workers)
        return f"{name} {count}" + (" behind nginx" if self.proxy == "nginx" else "")


class Gunicorn:
    """One gunicorn with a shipped config file, serving ``app`` on a loopback port."""

    def __init__(self, app: str, env: dict[str, str], log: Path, ready_path: str,
                 serving: Serving, config: Path = GUNICORN_CONFIG) -> None:
        self.app, self.log, self.ready_path, self.serving = app, log, ready_path, serving
        self.config = config
        self.port = free_port()
        bind, metrics, workers = VARIABLES[config]
        self.env = {**env, bind: f"127.0.0.1:{self.port}",
                    # a metrics directory of its own (the config empties it at start)
                    metrics: str(log.parent / f"prometheus-{self.port}")}
        if serving.workers:
            self.env[workers] = str(serving.workers)
        self.process: subprocess.Popen[bytes] | None = None
        self.nginx: proxy.BenchNginx | None = None

    def start(self) -> Gunicorn:
        """Start gunicorn (and nginx in front of it) and wait until ``ready_path`` answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(self.config),
                 *self.serving.arguments(), self.app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=self.config == OPERATOR_CONFIG and AUTOGROUP.exists())
        if self.config == OPERATOR_CONFIG and AUTOGROUP.exists():
            Path(f"/proc/{self.process.pid}/autogroup").write_text(f"{OPERATOR_GROUP_NICE}\n")
        if self.serving.proxy == "nginx":
            self.nginx = proxy.front(self.log.with_suffix(".nginx"), self.port)
        deadline = time.monotonic() + 60
        while not self._ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} did not start, see {self.log}")
            time.sleep(0.1)
        return self

    @property
    def load_port(self) -> int:
        """Return the port the load goes to: nginx's load listener, else gunicorn's."""
        return self.nginx.load if self.nginx else self.port

    def _ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.load_port, timeout=2)
        try:
            connection.request("GET", self.ready_path)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    @property
    def pid(self) -> int:
        """Return the master's pid."""
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """Return the workers' pids."""
        return [child.pid for child in psutil.Process(self.pid).children()]

    @property
    def label(self) -> str:
        """Return how it serves, e.g. ``gevent 2 behind nginx``."""
        return self.serving.label(len(self.workers()))

    def stop(self) -> None:
        """Stop nginx, then gunicorn gracefully."""
        if self.nginx:
            self.nginx.stop()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


def persistence(appendfsync: str) -> list[str]:
    """Return redis-server's options for an AOF policy (``off``: no append-only file)."""
    if appendfsync == "off":
        return ["--appendonly", "no"]
    return ["--appendonly", "yes", "--appendfsync", appendfsync]


class Stack:
    """redis-server (AOF as `make run` starts it) or a 3-master cluster, walletsvc, floor and
    ceiling (unless ``companions`` is false), each under gunicorn as ``serving`` says;
    ``settings`` are walletsvc's WALLETSVC_* variables beyond the stack's own."""

    def __init__(self, workdir: Path, appendfsync: str, serving: Serving,
                 replica: bool = False, cluster: bool = False, companions: bool = True,
                 settings: dict[str, str] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir, self.serving = workdir, serving
        self.cluster = RedisClusterServers(workdir / "cluster") if cluster else None
        for node in self.cluster.nodes if self.cluster else []:
            node.extra = (*node.extra, *persistence(appendfsync))
        self.redis = RedisServer(workdir / "redis", *persistence(appendfsync))
        # --replica: a replica of it, and a second walletsvc that waits for it after each write
        self.replica = RedisServer(workdir / "replica", *persistence(appendfsync),
                                   "--replicaof", "127.0.0.1", str(self.redis.port)
                                   ) if replica else None
        # The operators' database (the ledger's schema, the demo operators): GPAS's process
        # never opens it; the operator's needs it for every admin call.
        self.postgres = None if "WALLETSVC_LEDGER_URL" in (settings or {}) else LocalPostgres(
            workdir / "postgres", free_port(), "bench", fsync=False)
        self.env = {**os.environ,
                    "WALLETSVC_REDIS_URL": self.redis_url,
                    "WALLETSVC_PARENT_SYSTEMS": json.dumps({gpas.PARENT_ID: gpas.SECRET}),
                    **({"WALLETSVC_LEDGER_URL": self.postgres.url()} if self.postgres else {}),
                    "WALLETSVC_RECONCILIATION_API_KEY": "bench-reconciliation-key",
                    **(settings or {})}
        self.service = self._gunicorn("wsgi:app", "walletsvc", "/healthz")
        # As shipped, whatever ``serving`` says of GPAS's.
        self.operator = Gunicorn("wsgi:operator_app", self.env, workdir / "operator.log",
                                 "/healthz", Serving(), OPERATOR_CONFIG)
        self.floor = self._gunicorn("bench.floor:app", "floor", "/ping") if companions else None
        self.ceiling = self._gunicorn("bench.ceiling:app", "ceiling", "/healthz"
                                      ) if companions else None
        self.replicated = Gunicorn("wsgi:app", {**self.env, "WALLETSVC_REDIS_MIN_REPLICAS": "1"},
                                   workdir / "walletsvc-replicated.log", "/healthz", serving
                                   ) if replica else None

    def _gunicorn(self, app: str, name: str, ready: str, serving: Serving | None = None
                  ) -> Gunicorn:
        return Gunicorn(app, self.env, self.workdir / f"{name}.log", ready,
                        serving or self.serving)

    @property
    def redis_url(self) -> str:
        """Return the URL walletsvc is given."""
        return self.cluster.url if self.cluster else self.redis.url

    @property
    def redis_servers(self) -> list[RedisServer]:
        """Return every redis-server of the stack (each master, the replica if any)."""
        if self.cluster:
            return list(self.cluster.nodes)
        return [self.redis, self.replica] if self.replica else [self.redis]

    @property
    def apps(self) -> dict[str, Gunicorn]:
        """Return the gunicorns by name (the names the report uses)."""
        apps = {"walletsvc": self.service, "floor": self.floor, "ceiling": self.ceiling,
                "walletsvc-replicated": self.replicated}
        return {name: app for name, app in apps.items() if app is not None}

    def start(self) -> Stack:
        """Start Redis and the operators' PostgreSQL, then the apps."""
        if self.postgres:
            self.postgres.start()
            prepare(self.postgres.url())
        if self.cluster:
            self.cluster.start()
        else:
            self.redis.start()
        if self.replica:
            self.replica.start()
            replica = redis.Redis(port=self.replica.port, decode_responses=True)
            while replica.info("replication")["master_link_status"] != "up":
                time.sleep(0.1)
            replica.close()
        store = connect(self.redis_url, 5.0)
        initialise(store)  # a new store, marked as `walletsvc store init` marks it
        store.close()
        for server in [*self.apps.values(), self.operator]:
            server.start()
        return self

    def restart_service(self, workers: int) -> Gunicorn:
        """Serve walletsvc again with ``workers`` workers (and everything else unchanged)."""
        self.service.stop()
        serving = Serving(self.serving.worker_class, workers, self.serving.threads,
                          self.serving.proxy)
        self.service = self._gunicorn("wsgi:app", f"walletsvc-{workers}", "/healthz", serving)
        return self.service.start()

    def stop(self) -> None:
        """Stop everything that was started."""
        for server in [*self.apps.values(), self.operator]:
            server.stop()
        for node in self.redis_servers:
            node.stop()
        if self.postgres:
            self.postgres.stop()
