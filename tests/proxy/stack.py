"""nginx in front of walletsvc under gunicorn, and the calls tests send through it."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.gpas import GpasClient, signed_headers
from devkit.nginx import GPAS, HOST, Answer, Nginx
from devkit.operators import PLATFORM_TOKEN
from devkit.pki import Pki
from devkit.settings import PARENT_ID, SECRET
from tests.support.service import Service


@dataclass(frozen=True)
class ThroughNginx:
    """One of nginx's listeners, reached from ``source`` with ``cert`` (a GPAS transport)."""

    nginx: Nginx
    listener: str
    source: str
    cert: Path

    def open(self, path: str, *, method: str, data: bytes, headers: dict[str, str]) -> Answer:
        """Send one request through nginx."""
        return self.nginx.request(self.listener, method, path, data, headers, self.source,
                                  self.cert)


@dataclass
class Stack:
    """nginx in front of walletsvc, as docs/deployment.md sets them up."""

    nginx: Nginx
    service: Service
    pki: Pki

    def gpas(self, method: str, path: str, query: str, body: dict[str, Any] | None = None,
             listener: str = "public", source: str = GPAS, cert: Path | None = None,
             headers: dict[str, str] | None = None, token: str | None = None) -> Answer:
        """Send a signed GPAS call through nginx (with GPAS's certificate unless told)."""
        raw = json.dumps(body, separators=(",", ":")).encode() if body else b""
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        via = ThroughNginx(self.nginx, listener, source,
                           self.pki.gpas_client if cert is None else cert)
        return GpasClient(via).call(method, path, query, raw, sent)

    @staticmethod
    def gpas_headers(query: str, raw: bytes = b"") -> dict[str, str]:
        """Return GPAS's headers for a call with this query and body."""
        return {**signed_headers(PARENT_ID, SECRET, raw, query),
                "Content-Type": "application/json"}

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the admin API through the internal listener as the platform's service
        account; assert success."""
        answer = self.nginx.request(
            "internal", method, f"/admin{path}", json.dumps(body or {}).encode(),
            {"Authorization": f"Bearer {PLATFORM_TOKEN}", "Content-Type": "application/json"},
            source=HOST)
        assert answer.status in (200, 201), answer.raw
        return answer.json()

    def open_session(self, real: str = "100") -> tuple[str, str]:
        """Fund a new wallet and open a session through the public listener."""
        wallet = self.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})["walletId"]
        self.admin("POST", f"/wallets/{wallet}/deposits",
                   {"amount": real, "subWallet": "REAL", "reference": "funding"})
        token = self.admin("POST", "/launch-tokens", {"walletId": wallet})["authToken"]
        answer = self.gpas("POST", "/sessions", f"walletId={wallet}", token=token)
        assert answer.status == 200, answer.raw
        return wallet, answer.json()["id"]

    def balance(self, wallet: str) -> Any:
        """Return the wallet's stored balance as the admin API shows it."""
        return self.admin("GET", f"/wallets/{wallet}")["balance"]

    def app_lines(self) -> list[dict[str, Any]]:
        """Return walletsvc's JSON request log lines so far."""
        lines = []
        for line in self.service.log.read_text().splitlines():
            if line.startswith("{") and '"msg": "request"' in line:
                lines.append(json.loads(line))
        return lines


def movement_body(kind: str, value: str) -> dict[str, Any]:
    """Return a debit or credit body with a fresh reference."""
    return {"externalReference": f"{kind}-{uuid.uuid4().hex}", "value": value,
            "description": kind, "typeCode": f"GAME_{kind.upper()}",
            "tags": {"gameid": "agt-13"}}
