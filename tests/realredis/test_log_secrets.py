"""No secret, key, token or signature in any log line of the running service (SPEC C3).

gunicorn's own log and the app's JSON request and error logs all go to one file here; a whole
exchange with right and wrong credentials, a crash and Redis going away is sent, then the file
is searched for every secret that was configured or sent.
"""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path

import jwt
import pytest

from tests.helpers import ADMIN_KEY, PARENT_ID, SECRET
from tests.realredis.service import Service
from tests.redis_server import RedisBinary, RedisServer
from walletsvc.signing import sign

pytestmark = [pytest.mark.slow, pytest.mark.realredis]

JWT_KEY = "portal-jwt-key-that-must-never-be-logged-0123456789"
METRICS_TOKEN = "metrics-token-that-must-never-be-logged"


class Recorder:
    """Sends calls to the service and remembers every credential it sent."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.sent: set[str] = set()

    def gpas(self, method: str, path: str, query: str, body: bytes = b"",
             token: str | None = None, secret: str = SECRET) -> int:
        """Send a GPAS call signed with ``secret``; return the status."""
        signature = sign(body or query.encode(), secret)
        headers = {"x-parent-system-id": PARENT_ID, "x-signature": signature,
                   "Content-Type": "application/json"}
        self.sent.add(signature)
        if token:
            headers["Authorization"] = f"Bearer {token}"
            self.sent.add(token)
        return self.service.request(method, f"{path}?{query}", body, headers)[0]

    def with_key(self, method: str, path: str, key: str, body: bytes = b"") -> tuple[int, object]:
        """Call with a bearer key; return (status, body)."""
        self.sent.add(key)
        return self.service.request(method, path, body, {
            "Authorization": f"Bearer {key}", "Content-Type": "application/json"})

    def text(self, path: str, key: str) -> int:
        """GET a plain-text page with a bearer key; return the status."""
        self.sent.add(key)
        connection = http.client.HTTPConnection("127.0.0.1", self.service.port, timeout=15)
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {key}"})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


def movement(reference: str, kind: str = "DEBIT") -> bytes:
    """Return a compact movement body."""
    return json.dumps({"externalReference": reference, "value": "1", "description": "d",
                       "typeCode": f"GAME_{kind}", "tags": {"gameid": "agt-13"}},
                      separators=(",", ":")).encode()


def exchange(calls: Recorder) -> None:
    """A day's worth of calls, right and wrong."""
    _, wallet = calls.with_key("POST", "/admin/wallets", ADMIN_KEY,
                               b'{"playerId": "p", "currency": "BRL"}')
    wallet_id = wallet["walletId"]  # type: ignore[index]
    calls.with_key("POST", f"/admin/wallets/{wallet_id}/deposits", ADMIN_KEY,
                   b'{"amount": "100", "subWallet": "REAL", "reference": "funding"}')
    _, issued = calls.with_key("POST", "/admin/launch-tokens", ADMIN_KEY,
                               json.dumps({"walletId": wallet_id}).encode())
    token = issued["authToken"]  # type: ignore[index]
    calls.sent.add(token)
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=token) == 200
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=token) == 400
    portal = jwt.encode({"walletId": wallet_id, "jti": "j-1", "exp": int(time.time()) + 60},
                        JWT_KEY, algorithm="HS256")
    forged = jwt.encode({"walletId": wallet_id, "jti": "j-2", "exp": int(time.time()) + 60},
                        JWT_KEY + "x", algorithm="HS256")
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=portal) == 200
    assert calls.gpas("POST", "/sessions", f"walletId={wallet_id}", token=forged) == 400
    _, sessions = calls.with_key("GET", f"/admin/wallets/{wallet_id}/sessions", ADMIN_KEY)
    session_id = sessions["sessions"][0]["id"]  # type: ignore[index]
    query = f"walletSessionId={session_id}"
    assert calls.gpas("POST", "/movements/debit", query, movement("bet-1")) == 200
    assert calls.gpas("POST", "/movements/credit", query, movement("win-1", "CREDIT")) == 200
    assert calls.gpas("PATCH", "/movements/rollback", f"{query}&externalMovementId=bet-1",
                      b'{"externalReference":"rb-1","description":"d","tags":{}}') == 200
    assert calls.gpas("GET", "/wallets/balance", query) == 200
    assert calls.gpas("GET", "/wallets/balance", query, secret="guessed-secret") == 400
    for wrong in (ADMIN_KEY + "x", "reconciliation-key", SECRET):
        assert calls.with_key("GET", f"/admin/wallets/{wallet_id}", wrong)[0] == 401
    report = "/reconciliation?date_from=2026-01-01&date_to=2026-01-02"
    assert calls.with_key("GET", report, "reconciliation-key")[0] == 200
    assert calls.with_key("GET", report, ADMIN_KEY)[0] == 401
    assert calls.text("/metrics", METRICS_TOKEN) == 200
    assert calls.text("/metrics", METRICS_TOKEN + "x") != 200
    assert calls.gpas("PATCH", "/sessions/close", f"id={session_id}") == 200


def test_no_secret_token_or_signature_reaches_any_log_line(
        tmp_path_factory: pytest.TempPathFactory, redis_binary: RedisBinary) -> None:
    directory = tmp_path_factory.mktemp("log-secrets")
    redis = RedisServer(directory / "redis", binary=redis_binary).start()
    log = directory / "service.log"
    service = Service(redis.url, log, workers=1, WALLETSVC_JWT_KEY=JWT_KEY,
                      WALLETSVC_METRICS_TOKEN=METRICS_TOKEN).start()
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
    secrets = {SECRET, ADMIN_KEY, "reconciliation-key", JWT_KEY, METRICS_TOKEN} | calls.sent
    leaked = sorted(secret for secret in secrets if secret in text)
    assert leaked == []
