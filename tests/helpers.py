"""Helpers for the tests: a movable clock, a GPAS client that signs, an admin client."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import fakeredis
from flask.testing import FlaskClient
from redis.cluster import RedisCluster
from werkzeug.test import TestResponse

from walletsvc.config import Config
from walletsvc.signing import sign
from walletsvc.store import RedisClient

PARENT_ID = "BL13GT"
SECRET = "Ax34deSfgdB"
ADMIN_KEY = "admin-key-for-tests"
START_MS = 1_790_000_000_000  # 2026-09-21T14:13:20Z


class FakeRedis(fakeredis.FakeRedis):
    """fakeredis, answering ``INFO`` as a Redis configured the way walletsvc needs.

    fakeredis has no INFO; the real-server tests read the real one. ``memory_policy`` and
    ``info_fields`` let a fast test play a Redis configured otherwise.
    """

    def __init__(self, memory_policy: str = "noeviction", **info_fields: Any) -> None:
        super().__init__(decode_responses=True)
        self.memory_policy = memory_policy
        self.info_fields = info_fields

    def info(self, section: str | None = None, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Return the INFO fields walletsvc reads."""
        return {"maxmemory_policy": self.memory_policy, "role": "master", "used_memory": 1,
                "maxmemory": 0, "rdb_last_bgsave_status": "ok", "aof_last_write_status": "ok",
                **self.info_fields}


def base_config(**overrides: Any) -> Config:
    """Return test settings with ``overrides`` applied."""
    settings: dict[str, Any] = {
        "parent_systems": {PARENT_ID: (SECRET,), "OTHER1": ("other-secret",)},
        "admin_api_key": ADMIN_KEY,
        "reconciliation_api_key": "reconciliation-key",
        "jwt_key": "portal-jwt-secret-of-at-least-32-bytes!",
    }
    settings.update(overrides)
    return Config(**settings)


class FakeClock:
    """UTC milliseconds that move only when a test says so."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now_ms += int(seconds * 1000)


def decimal_json(response: TestResponse) -> Any:
    """Parse a response body with every number as an exact Decimal."""
    return json.loads(response.get_data(), parse_float=Decimal, parse_int=Decimal)


def body_bytes(body: dict[str, Any]) -> bytes:
    """Serialise a request body compactly, as GPAS does."""
    return json.dumps(body, separators=(",", ":")).encode()


class GpasClient:
    """Signs and sends GPAS calls; each method returns the raw test response."""

    def __init__(self, client: FlaskClient, parent_id: str = PARENT_ID, secret: str = SECRET):
        self.client = client
        self.parent_id = parent_id
        self.secret = secret

    def call(self, method: str, path: str, query: str, body: bytes = b"",
             headers: dict[str, str] | None = None, signature: str | None = None) -> TestResponse:
        """Send a request signed over the body if there is one, else over the query."""
        all_headers = {
            "x-parent-system-id": self.parent_id,
            "x-signature": signature or sign(body or query.encode(), self.secret),
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return self.client.open(f"{path}?{query}", method=method, data=body, headers=all_headers)

    def open_session(self, wallet_id: str, token: str) -> TestResponse:
        """POST /sessions."""
        return self.call("POST", "/sessions", f"walletId={wallet_id}",
                         headers={"Authorization": f"Bearer {token}"})

    def balance(self, session_id: str, path: str = "/wallets/balance") -> TestResponse:
        """GET the balance."""
        return self.call("GET", path, f"walletSessionId={session_id}")

    def debit(self, session_id: str, value: Any, reference: str | None = None,
              **fields: Any) -> TestResponse:
        """POST a debit."""
        return self._move("debit", "GAME_DEBIT", session_id, value, reference, fields)

    def credit(self, session_id: str, value: Any, reference: str | None = None,
               **fields: Any) -> TestResponse:
        """POST a credit."""
        return self._move("credit", "GAME_CREDIT", session_id, value, reference, fields)

    def _move(self, kind: str, type_code: str, session_id: str, value: Any,
              reference: str | None, fields: dict[str, Any]) -> TestResponse:
        body = {
            "externalReference": reference or f"ref-{uuid.uuid4().hex}",
            "value": value,
            "description": f"{kind} made by gpas",
            "typeCode": type_code,
            "tags": {"gpasSessionId": "gpas-1", "gameid": "agt-13"},
            **fields,
        }
        return self.call("POST", f"/movements/{kind}", f"walletSessionId={session_id}",
                         body_bytes(body))

    def rollback(self, session_id: str, reversed_reference: str, reference: str | None = None
                 ) -> TestResponse:
        """PATCH a rollback of ``reversed_reference``."""
        body = {"externalReference": reference or f"rb-{uuid.uuid4().hex}",
                "description": "rollback made by gpas", "tags": {"gameid": "agt-13"}}
        return self.call("PATCH", "/movements/rollback",
                         f"walletSessionId={session_id}&externalMovementId={reversed_reference}",
                         body_bytes(body))

    def close(self, session_id: str) -> TestResponse:
        """PATCH /sessions/close."""
        return self.call("PATCH", "/sessions/close", f"id={session_id}")


class AdminClient:
    """Calls the admin API with the admin key; helpers assert success."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

    def post(self, path: str, body: dict[str, Any] | None = None) -> TestResponse:
        """POST to the admin API."""
        return self.client.post(f"/admin{path}", json=body or {}, headers=self.headers)

    def get(self, path: str) -> TestResponse:
        """GET from the admin API."""
        return self.client.get(f"/admin{path}", headers=self.headers)

    def wallet(self, real: str = "0", bonus: str = "0", currency: str = "BRL",
               wallet_id: str | None = None) -> str:
        """Create a wallet funded with ``real`` and ``bonus``; return its id."""
        body = {"playerId": "player-1", "currency": currency}
        if wallet_id:
            body["walletId"] = wallet_id
        created = self.post("/wallets", body)
        assert created.status_code == 201, created.get_data(as_text=True)
        new_id = str(created.json["walletId"])  # type: ignore[index]
        for sub_wallet, amount in (("REAL", real), ("BONUS", bonus)):
            if Decimal(amount) > 0:
                funded = self.post(f"/wallets/{new_id}/deposits", {
                    "amount": amount, "subWallet": sub_wallet, "reference": f"fund-{sub_wallet}"})
                assert funded.status_code == 200, funded.get_data(as_text=True)
        return new_id

    def token(self, wallet_id: str) -> str:
        """Issue a launch token for the wallet."""
        issued = self.post("/launch-tokens", {"walletId": wallet_id})
        assert issued.status_code == 201, issued.get_data(as_text=True)
        return str(issued.json["authToken"])  # type: ignore[index]

    def balance(self, wallet_id: str) -> dict[str, Decimal]:
        """Return the wallet's stored balances as decimals."""
        response = self.get(f"/wallets/{wallet_id}")
        assert response.status_code == 200
        return {k: Decimal(str(v)) for k, v in decimal_json(response)["balance"].items()}


def open_session(gpas: GpasClient, admin: AdminClient, real: str = "100", bonus: str = "0",
                 currency: str = "BRL") -> tuple[str, str]:
    """Create a funded wallet and open a session on it; return (wallet id, session id)."""
    wallet_id = admin.wallet(real, bonus, currency)
    response = gpas.open_session(wallet_id, admin.token(wallet_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    return wallet_id, str(response.json["id"])  # type: ignore[index]


def all_keys(redis: RedisClient, pattern: str = "*") -> list[str]:
    """Return the keys matching ``pattern`` on every node (KEYS reaches one node of a cluster)."""
    return sorted(redis.scan_iter(match=pattern, count=1000))


def snapshot(redis: RedisClient) -> dict[str, Any]:
    """Return every key's type and value, to prove a refusal changed nothing.

    On a cluster the reference directory is claimed before the movement script runs and a
    refused movement keeps its claim (by design: see WalletStore._references), so directory
    entries are left out there; tests/realredis/test_cluster.py checks those claims.
    """
    cluster = isinstance(redis, RedisCluster)
    readers = {
        "string": redis.get,
        "hash": redis.hgetall,
        "zset": lambda key: redis.zrange(key, 0, -1, withscores=True),
        "stream": redis.xrange,
        "set": redis.smembers,
        "list": lambda key: redis.lrange(key, 0, -1),
    }
    return {key: (kind, readers[kind](key))
            for key in all_keys(redis) for kind in [redis.type(key)]
            if not (cluster and key.startswith("ref:"))}


def error_of(response: TestResponse) -> tuple[int, int, str]:
    """Return (HTTP status, GPAS code, GPAS type) of an error response."""
    body = response.json
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert set(body) >= {"code", "type", "message"}
    return response.status_code, body["code"], body["type"]


def store_writes(gpas: GpasClient, admin: AdminClient, wallet_id: str, session_id: str,
                 token: str) -> dict[str, Callable[[], TestResponse]]:
    """Every GPAS and operator call that writes (``token``: an unused launch token).

    The session has a debit ``bet-1`` to roll back.
    """
    deposit = {"amount": "1", "subWallet": "REAL", "reference": "dep-9"}
    withdrawal = {**deposit, "reference": "wd-9"}
    return {
        "debit": lambda: gpas.debit(session_id, "1", reference="bet-9"),
        "credit": lambda: gpas.credit(session_id, "1", reference="win-9"),
        "rollback": lambda: gpas.rollback(session_id, "bet-1", reference="rb-9"),
        "close": lambda: gpas.close(session_id),
        "open": lambda: gpas.open_session(wallet_id, token),
        "deposit": lambda: admin.post(f"/wallets/{wallet_id}/deposits", deposit),
        "withdrawal": lambda: admin.post(f"/wallets/{wallet_id}/withdrawals", withdrawal),
        "create-wallet": lambda: admin.post("/wallets", {"playerId": "p", "currency": "BRL"}),
        "block": lambda: admin.post(f"/wallets/{wallet_id}/block"),
        "launch-token": lambda: admin.post("/launch-tokens", {"walletId": wallet_id}),
    }
