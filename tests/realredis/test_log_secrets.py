"""No secret, key, token or signature in any log line of the running service (docs/gpas-contract.md,
"Settings and secrets"), operators' API tokens and the retired shared admin key among them.

gunicorn's own log and the app's JSON request and error logs all go to one file here; a whole
exchange with right and wrong credentials, a crash and Redis going away is sent, then the file
is searched for every secret that was configured or sent.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from devkit.gpas import GpasClient
from devkit.operators import AUDITOR, PLATFORM_TOKEN
from devkit.redis import RedisBinary, RedisServer
from devkit.settings import SECRET
from tests.support.service import Answer, Service

pytestmark = [pytest.mark.slow, pytest.mark.realredis]

JWT_KEY = "portal-jwt-key-that-must-never-be-logged-0123456789"
METRICS_TOKEN = "metrics-token-that-must-never-be-logged"
# Still set from before operators had tokens: it opens nothing, and only its name is logged.
RETIRED_KEY = "retired-admin-key-that-must-never-be-logged"


class Recorder:
    """Sends calls to the service and remembers every credential it sent (a GPAS transport)."""

    def __init__(self, service: Service) -> None:
        self.http = service.http
        self.sent: set[str] = set()

    def open(self, path: str, *, method: str = "GET", data: bytes = b"",
             headers: dict[str, str] | None = None) -> Answer:
        """Send one request, remembering its signature and bearer credential."""
        for name, value in (headers or {}).items():
            if name.lower() == "x-signature":
                self.sent.add(value)
            if name.lower() == "authorization":
                self.sent.add(value.removeprefix("Bearer "))
        return self.http.open(path, method=method, data=data, headers=headers)

    def gpas(self, method: str, path: str, query: str, body: bytes = b"",
             token: str | None = None, secret: str = SECRET) -> int:
        """Send a GPAS call signed with ``secret``; return the status."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return GpasClient(self, secret=secret).call(method, path, query, body, headers).status_code

    def with_key(self, method: str, path: str, key: str, body: bytes = b"") -> tuple[int, Any]:
        """Call with a bearer key; return (status, body)."""
        answer = self.open(path, method=method, data=body, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        return answer.status_code, answer.json

    def text(self, path: str, key: str) -> int:
        """GET a plain-text page with a bearer key; return the status."""
        return self.open(path, headers={"Authorization": f"Bearer {key}"}).status_code


def movement(reference: str, kind: str = "DEBIT") -> bytes:
    """Return a compact movement body."""
    return json.dumps({"externalReference": reference, "value": "1", "description": "d",
                       "typeCode": f"GAME_{kind}", "tags": {"gameid": "agt-13"}},
                      separators=(",", ":")).encode()


def exchange(calls: Recorder) -> None:
    """A day's worth of calls, right and wrong."""
    _, wallet = calls.with_key("POST", "/admin/wallets", PLATFORM_TOKEN,
                               b'{"playerId": "p", "currency": "BRL"}')
    wallet_id = wallet["walletId"]
    calls.with_key("POST", f"/admin/wallets/{wallet_id}/deposits", PLATFORM_TOKEN,
                   b'{"amount": "100", "subWallet": "REAL", "reference": "funding"}')
    _, issued = calls.with_key("POST", "/admin/launch-tokens", PLATFORM_TOKEN,
                               json.dumps({"walletId": wallet_id}).encode())
    token = issued["authToken"]
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=token) == 200
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=token) == 400
    portal = jwt.encode({"walletId": wallet_id, "jti": "j-1", "exp": int(time.time()) + 60},
                        JWT_KEY, algorithm="HS256")
    forged = jwt.encode({"walletId": wallet_id, "jti": "j-2", "exp": int(time.time()) + 60},
                        JWT_KEY + "x", algorithm="HS256")
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=portal) == 200
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=forged) == 400
    _, sessions = calls.with_key("GET", f"/admin/wallets/{wallet_id}/sessions", PLATFORM_TOKEN)
    session_id = sessions["sessions"][0]["id"]
    query = f"walletSessionId={session_id}"
    assert calls.gpas("POST", "/movements/debit", query, movement("bet-1")) == 200
    assert calls.gpas("POST", "/movements/credit", query, movement("win-1", "CREDIT")) == 200
    assert calls.gpas("PATCH", "/movements/rollback", f"{query}&externalMovementId=bet-1",
                      b'{"externalReference":"rb-1","description":"d","tags":{}}') == 200
    assert calls.gpas("GET", "/wallets/balance", query) == 200
    assert calls.gpas("GET", "/wallets/balance", query, secret="guessed-secret") == 400
    for wrong in (PLATFORM_TOKEN + "x", RETIRED_KEY, "reconciliation-key", SECRET):
        assert calls.with_key("GET", f"/admin/wallets/{wallet_id}", wrong)[0] == 401
    assert calls.with_key("GET", f"/admin/wallets/{wallet_id}", AUDITOR.token)[0] == 403
    report = "/reconciliation?date_from=2026-01-01&date_to=2026-01-02"
    assert calls.with_key("GET", report, "reconciliation-key")[0] == 200
    assert calls.with_key("GET", report, PLATFORM_TOKEN)[0] == 401
    assert calls.text("/metrics", METRICS_TOKEN) == 200
    assert calls.text("/metrics", METRICS_TOKEN + "x") != 200
    assert calls.gpas("PATCH", "/sessions/close", f"id={session_id}") == 200


def test_no_secret_token_or_signature_reaches_any_log_line(
        tmp_path_factory: pytest.TempPathFactory, redis_binary: RedisBinary,
        operators_url: str) -> None:
    directory = tmp_path_factory.mktemp("log-secrets")
    redis = RedisServer(directory / "redis", binary=redis_binary).start()
    log = directory / "service.log"
    service = Service(redis.url, log, operators_url, workers=1, WALLETSVC_JWT_KEY=JWT_KEY,
                      WALLETSVC_METRICS_TOKEN=METRICS_TOKEN,
                      WALLETSVC_ADMIN_API_KEY=RETIRED_KEY).start()
    calls = Recorder(service)
    try:
        exchange(calls)
        redis.kill()  # a crash: the store failure is logged, in one line naming its kind
        assert calls.gpas("GET", "/wallets/balance", "walletSessionId=x") in (400, 500)
        assert calls.gpas("POST", "/movements/debit", "walletSessionId=x", movement("b-2")) == 500
    finally:
        service.stop()
        redis.stop()
    text = Path(log).read_text()
    assert "/movements/debit" in text and '"kind": "unreachable"' in text  # logs captured
    assert text.count("WALLETSVC_ADMIN_API_KEY is retired") == 1  # the operator's process
    assert len(calls.sent) > 10, calls.sent  # the signatures, tokens and keys sent
    secrets = {SECRET, PLATFORM_TOKEN, AUDITOR.token, RETIRED_KEY, "reconciliation-key", JWT_KEY,
               METRICS_TOKEN} | calls.sent
    leaked = sorted(secret for secret in secrets if secret in text)
    assert leaked == []
