"""The real service under gunicorn (its GPAS and operator processes), and HTTP clients that
speak to it over loopback."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.redis import free_port
from devkit.settings import PARENT_ID, SECRET
from devkit.store import initialise
from walletsvc.config import Config
from walletsvc.store import connect

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Answer:
    """What a server answered: its status, headers and body bytes."""

    status_code: int
    headers: dict[str, str]
    data: bytes

    @property
    def json(self) -> Any:
        """Return the body parsed as JSON (None when the body is empty)."""
        return json.loads(self.data) if self.data else None


class HttpClient:
    """Sends each request on a new connection to a port on loopback (a GpasClient transport)."""

    def __init__(self, port: int, timeout: float = 15) -> None:
        self.port = port
        self.timeout = timeout

    def open(self, path: str, *, method: str = "GET", data: bytes = b"",
             headers: dict[str, str] | None = None) -> Answer:
        """Send one request with exactly these headers; return the whole answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=data or None, headers=headers or {})
            response = connection.getresponse()
            return Answer(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()


class Routed:
    """Sends each path to the process that serves it, as nginx's listeners do (a transport)."""

    # What the operator process serves (config/nginx/walletsvc/internal-routes.conf).
    OPERATOR_PATHS = ("/admin/", "/openapi.json", "/docs")

    def __init__(self, gpas: HttpClient, operator: HttpClient) -> None:
        self.gpas_process, self.operator_process = gpas, operator

    def open(self, path: str, *, method: str = "GET", data: bytes = b"",
             headers: dict[str, str] | None = None) -> Answer:
        """Send one request to the GPAS process, or to the operator's if it serves the path."""
        process = (self.operator_process if path.startswith(self.OPERATOR_PATHS)
                   else self.gpas_process)
        return process.open(path, method=method, data=data, headers=headers)


class Service:
    """walletsvc under gunicorn with the shipped configs on loopback ports: the GPAS process
    (``port``) and the operator process (``operator_port``), both logging to ``log``. The
    operator process keeps its operators and audit log, and reads its reports, in the
    PostgreSQL at ``ledger_url``, which holds the demo operators (devkit/operators.py)."""

    def __init__(self, redis_url: str, log: Path, ledger_url: str, *, workers: int = 2,
                 **settings: str) -> None:
        self.port, self.operator_port = free_port(), free_port()
        self.gpas_http, self.operator_http = HttpClient(self.port), HttpClient(self.operator_port)
        self.http = Routed(self.gpas_http, self.operator_http)
        self.gpas = GpasClient(self.http)
        self.log = log
        self.env = {
            **os.environ,
            "WALLETSVC_REDIS_URL": redis_url,
            "WALLETSVC_PARENT_SYSTEMS": json.dumps({PARENT_ID: SECRET}),
            "WALLETSVC_LEDGER_URL": ledger_url,
            "WALLETSVC_RECONCILIATION_API_KEY": "reconciliation-key",
            "WALLETSVC_BIND": f"127.0.0.1:{self.port}",
            "WALLETSVC_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(log.parent / f"prometheus-{self.port}"),
            "WALLETSVC_OPERATOR_BIND": f"127.0.0.1:{self.operator_port}",
            "WALLETSVC_OPERATOR_WORKERS": "1",
            "WALLETSVC_OPERATOR_METRICS_DIR": str(log.parent / f"prometheus-{self.operator_port}"),
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.operator: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        """Mark the store ready as an installation does once, start both gunicorns and wait
        until each answers /healthz."""
        config = Config.from_env(self.env)
        redis = connect(config.redis_url, 5.0, config.redis_cluster,
                        (config.redis_sentinel_username, config.redis_sentinel_password))
        initialise(redis)
        redis.close()
        self.process = self._gunicorn("config/gunicorn.conf.py", "wsgi:app")
        self.operator = self._gunicorn("config/gunicorn-operator.conf.py")
        for process, client in ((self.process, self.gpas_http),
                                (self.operator, self.operator_http)):
            _wait_healthy(process, client, self.log)
        return self

    def _gunicorn(self, config: str, *app: str) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", config, *app],
                                    cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def metric(self, name: str) -> float:
        """Return the sum of every sample of metric ``name`` on /metrics (0 if none)."""
        text = self.http.open("/metrics").data.decode()
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith((f"{name} ", f"{name}{{")))

    def wait_for_metric(self, name: str, value: float, seconds: float = 30) -> None:
        """Wait until metric ``name`` sums to ``value`` (requests in flight, say)."""
        deadline = time.monotonic() + seconds
        while self.metric(name) != value:
            assert time.monotonic() < deadline, f"{name} never reached {value}"
            time.sleep(0.02)

    def workers(self) -> list[int]:
        """Return the pids of the GPAS process's workers."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        """Stop both gunicorns gracefully."""
        for process in (self.process, self.operator):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.process, self.operator):
            if process:
                process.wait(timeout=90)

    def admin_answer(self, method: str, path: str, body: dict[str, Any] | None = None
                     ) -> Answer:
        """Call the admin API (the operator's process) as the platform's service account;
        return its answer, whatever it is."""
        return self.operator_http.open(
            f"/admin{path}", method=method, data=json.dumps(body or {}).encode(),
            headers={"Authorization": f"Bearer {PLATFORM_TOKEN}",
                     "Content-Type": "application/json"})

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the admin API; assert success; return the body."""
        answer = self.admin_answer(method, path, body)
        assert answer.status_code in (200, 201), answer.json
        return answer.json

    def funded_session(self, real: str) -> tuple[str, str]:
        """Create a wallet with ``real`` in REAL and open a session; return (wallet, session)."""
        wallet_id = self.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})["walletId"]
        self.admin("POST", f"/wallets/{wallet_id}/deposits",
                   {"amount": real, "subWallet": "REAL", "reference": "funding"})
        token = self.admin("POST", "/launch-tokens", {"walletId": wallet_id})["authToken"]
        opened = self.gpas.open_session(wallet_id, token)
        assert opened.status_code == 200, opened.json
        return wallet_id, opened.json["id"]


def _wait_healthy(process: subprocess.Popen[bytes], client: HttpClient, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.open("/healthz").status_code == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(f"gunicorn did not start on {client.port}, see {log}")
        time.sleep(0.1)
