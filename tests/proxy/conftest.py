"""Fixtures: the shipped nginx config in a real nginx, in front of walletsvc under gunicorn."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ADMIN_KEY, PARENT_ID, SECRET
from tests.proxy.certificates import Pki, make_pki
from tests.proxy.nginx import GPAS, HOST, Answer, Nginx
from tests.realredis.service import Service
from tests.redis_server import RedisServer
from tests.tools import require_program
from walletsvc.signing import sign


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """The nginx program (Debian's package): required under CI."""
    return require_program("nginx", "nginx")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Certificates for the run."""
    return make_pki(tmp_path_factory.mktemp("pki"))


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
        sent = {**self.gpas_headers(query, raw), **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        return self.nginx.request(listener, method, f"{path}?{query}", raw, sent, source,
                                  self.pki.gpas_client if cert is None else cert)

    @staticmethod
    def gpas_headers(query: str, raw: bytes = b"") -> dict[str, str]:
        """Return GPAS's headers for a call with this query and body."""
        return {"x-parent-system-id": PARENT_ID, "Content-Type": "application/json",
                "x-signature": sign(raw or query.encode(), SECRET)}

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the admin API through the internal listener; assert success."""
        answer = self.nginx.request(
            "internal", method, f"/admin{path}", json.dumps(body or {}).encode(),
            {"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"},
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


@pytest.fixture(scope="module")
def make_nginx(nginx_binary: str, pki: Pki, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Callable[..., Nginx]]:
    """Start nginx with the shipped config in front of a given upstream port."""
    started: list[Nginx] = []

    def start(upstream_port: int, **changes: str) -> Nginx:
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), pki, upstream_port, changes)
        started.append(nginx)
        return nginx.start(nginx_binary)

    yield start
    for nginx in started:
        nginx.stop()


@pytest.fixture(scope="module")
def stack(make_nginx: Callable[..., Nginx], redis_server: RedisServer, pki: Pki,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """walletsvc under gunicorn with the guide's proxy settings, behind the shipped nginx."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    service = Service(redis_server.url, log, WALLETSVC_TRUSTED_PROXY_COUNT="1",
                      WALLETSVC_GPAS_ALLOWED_IPS=f"{HOST},{GPAS}").start()
    try:
        yield Stack(make_nginx(service.port), service, pki)
    finally:
        service.stop()
