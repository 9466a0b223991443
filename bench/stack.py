"""The stack under test: redis-server, and walletsvc, the floor and the ceiling apps, each under
gunicorn."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis

from bench import gpas
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[1]


class Gunicorn:
    """One gunicorn with the shipped config file, serving ``app`` on a loopback port."""

    def __init__(self, app: str, env: dict[str, str], log: Path, ready_path: str) -> None:
        self.app, self.log, self.ready_path = app, log, ready_path
        self.port = free_port()
        self.env = {**env, "WALLETSVC_BIND": f"127.0.0.1:{self.port}",
                    # a metrics directory of its own (the config may empty it at start)
                    "PROMETHEUS_MULTIPROC_DIR": str(log.parent / f"prometheus-{self.port}")}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        """Start gunicorn and wait until ``ready_path`` answers 200."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", self.app],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not self._ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.app} did not start, see {self.log}")
            time.sleep(0.1)
        return self

    def _ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
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

    def stop(self) -> None:
        """Stop gunicorn gracefully."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)


class Stack:
    """redis-server (append-only file as `make run` starts it), walletsvc, floor and ceiling."""

    def __init__(self, workdir: Path, appendfsync: str, workers: int | None,
                 replica: bool = False) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        persistence = (["--appendonly", "no"] if appendfsync == "off" else
                       ["--appendonly", "yes", "--appendfsync", appendfsync])
        self.redis = RedisServer(workdir / "redis", *persistence)
        # --replica: a replica of it, and a second walletsvc that waits for it after each write
        self.replica = RedisServer(workdir / "replica", *persistence, "--replicaof", "127.0.0.1",
                                   str(self.redis.port)) if replica else None
        env = {**os.environ,
               "WALLETSVC_REDIS_URL": self.redis.url,
               "WALLETSVC_PARENT_SYSTEMS": json.dumps({gpas.PARENT_ID: gpas.SECRET}),
               "WALLETSVC_ADMIN_API_KEY": gpas.ADMIN_KEY,
               "WALLETSVC_RECONCILIATION_API_KEY": "bench-reconciliation-key"}
        if workers:
            env["WALLETSVC_WORKERS"] = str(workers)
        self.service = Gunicorn("wsgi:app", env, workdir / "walletsvc.log", "/healthz")
        self.floor = Gunicorn("bench.floor:app", env, workdir / "floor.log", "/ping")
        self.ceiling = Gunicorn("bench.ceiling:app", env, workdir / "ceiling.log", "/healthz")
        self.replicated = Gunicorn("wsgi:app", {**env, "WALLETSVC_REDIS_MIN_REPLICAS": "1"},
                                   workdir / "walletsvc-replicated.log", "/healthz"
                                   ) if replica else None

    @property
    def apps(self) -> dict[str, Gunicorn]:
        """Return the gunicorns by name (the names the report uses)."""
        apps = {"walletsvc": self.service, "floor": self.floor, "ceiling": self.ceiling}
        return {**apps, "walletsvc-replicated": self.replicated} if self.replicated else apps

    @property
    def redis_pids(self) -> list[int]:
        """Return the pids of redis-server and of its replica, if any."""
        servers = [self.redis, self.replica] if self.replica else [self.redis]
        return [server.process.pid for server in servers if server.process]

    @property
    def cores(self) -> int:
        """Return the machine's core count."""
        return os.cpu_count() or 1

    def start(self) -> Stack:
        """Start Redis, then the apps."""
        self.redis.start()
        if self.replica:
            self.replica.start()
            replica = redis.Redis(port=self.replica.port, decode_responses=True)
            while replica.info("replication")["master_link_status"] != "up":
                time.sleep(0.1)
            replica.close()
        for server in self.apps.values():
            server.start()
        return self

    def stop(self) -> None:
        """Stop everything that was started."""
        for server in self.apps.values():
            server.stop()
        if self.replica:
            self.replica.stop()
        self.redis.stop()
