"""A GPAS client that signs its calls as GPAS does (SPEC A1)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.settings import PARENT_ID, SECRET
from walletsvc.signing import sign


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
