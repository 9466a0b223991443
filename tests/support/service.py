"""The real service under gunicorn, and clients that speak to it over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from tests.redis_server import free_port
from tests.support.settings import ADMIN_KEY, PARENT_ID, SECRET
from walletsvc.signing import sign

ROOT = Path(__file__).resolve().parents[2]


class Service:
    """walletsvc under gunicorn with the shipped config, on a loopback port."""

    def __init__(self, redis_url: str, log: Path, workers: int = 2, **settings: str) -> None:
        self.port = free_port()
        self.log = log
        self.env = {
            **os.environ,
            "WALLETSVC_REDIS_URL": redis_url,
            "WALLETSVC_PARENT_SYSTEMS": json.dumps({PARENT_ID: SECRET}),
            "WALLETSVC_ADMIN_API_KEY": ADMIN_KEY,
            "WALLETSVC_RECONCILIATION_API_KEY": "reconciliation-key",
            "WALLETSVC_BIND": f"127.0.0.1:{self.port}",
            "WALLETSVC_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(log.parent / f"prometheus-{self.port}"),
            **settings,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        """Start gunicorn and wait until it answers /healthz."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start, see {self.log}")
            time.sleep(0.1)

    def workers(self) -> list[int]:
        """Return the pids of the gunicorn workers."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        """Stop gunicorn gracefully."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def request(self, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, Any]:
        """Send one request on a new connection; return (status, parsed JSON body or None)."""
        status, raw = self.raw(method, path, body, headers, timeout)
        return status, json.loads(raw) if raw else None

    def raw(self, method: str, path: str, body: bytes = b"",
            headers: dict[str, str] | None = None, timeout: float = 15) -> tuple[int, bytes]:
        """Send one request on a new connection; return (status, body bytes)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, Any]:
        """GET without credentials."""
        return self.request("GET", path)

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the admin API; assert success; return the body."""
        status, answer = self.request(
            method, f"/admin{path}", json.dumps(body or {}).encode(),
            {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"})
        assert status in (200, 201), answer
        return answer

    def gpas(self, method: str, path: str, query: str, body: dict[str, Any] | None = None,
             token: str | None = None, timeout: float = 15) -> tuple[int, Any]:
        """Send a signed GPAS call."""
        raw = json.dumps(body, separators=(",", ":")).encode() if body else b""
        headers = {"x-parent-system-id": PARENT_ID, "x-signature": sign(raw or query.encode(),
                                                                       SECRET),
                   "Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.request(method, f"{path}?{query}", raw, headers, timeout)

    def funded_session(self, real: str) -> tuple[str, str]:
        """Create a wallet with ``real`` in REAL and open a session; return (wallet, session)."""
        wallet_id = self.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})["walletId"]
        self.admin("POST", f"/wallets/{wallet_id}/deposits",
                   {"amount": real, "subWallet": "REAL", "reference": "funding"})
        token = self.admin("POST", "/launch-tokens", {"walletId": wallet_id})["authToken"]
        status, session = self.gpas("POST", "/sessions", f"walletId={wallet_id}", token=token)
        assert status == 200, session
        return wallet_id, session["id"]

    def movement(self, kind: str, session_id: str, value: str = "1",
                 reference: str | None = None, timeout: float = 15) -> tuple[int, Any, str]:
        """Send a debit or credit; return (status, body, reference)."""
        reference = reference or f"{kind}-{uuid.uuid4().hex}"
        body = {"externalReference": reference, "value": value, "description": kind,
                "typeCode": f"GAME_{kind.upper()}", "tags": {"gameid": "agt-13"}}
        status, answer = self.gpas("POST", f"/movements/{kind}", f"walletSessionId={session_id}",
                                   body, timeout=timeout)
        return status, answer, reference

    def rollback(self, session_id: str, reversed_reference: str, reference: str | None = None
                 ) -> tuple[int, Any, str]:
        """Roll back a movement; return (status, body, reference)."""
        reference = reference or f"rollback-{uuid.uuid4().hex}"
        body = {"externalReference": reference, "description": "rollback", "tags": {}}
        status, answer = self.gpas(
            "PATCH", "/movements/rollback",
            f"walletSessionId={session_id}&externalMovementId={reversed_reference}", body)
        return status, answer, reference
