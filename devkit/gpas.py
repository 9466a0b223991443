"""The one signed GPAS client (docs/gpas-contract.md, "Signing"), over Flask's test client or HTTP
to a running server.

``signed_headers`` is the only place a test builds GPAS's credential headers; ``GpasClient``
sends calls with them through a transport: Flask's test client (the default, answering
werkzeug's ``TestResponse``) or ``tests.support.service.HttpClient`` (answering ``Answer``).
"""

from __future__ import annotations

import json
import uuid
from enum import Enum
from typing import Any, Generic, Protocol

from typing_extensions import TypeVar
from werkzeug.test import TestResponse

from devkit.settings import PARENT_ID, SECRET
from walletsvc.signing import sign


class Signed(Enum):
    """The signature GPAS would send: SHA1 over the raw body if there is one, else the query."""

    RIGHT = "right"


def signed_headers(parent: str | None, secret: str, body: bytes, query: str,
                   signature: str | Signed | None = Signed.RIGHT) -> dict[str, str]:
    """Return a GPAS call's parent system and signature headers; one given as None is left out."""
    headers = {} if parent is None else {"x-parent-system-id": parent}
    if signature is Signed.RIGHT:
        signature = sign(body or query.encode(), secret)
    if signature is not None:
        headers["x-signature"] = signature
    return headers


def body_bytes(body: dict[str, Any]) -> bytes:
    """Serialise a request body compactly, as GPAS does."""
    return json.dumps(body, separators=(",", ":")).encode()


AnswerT = TypeVar("AnswerT", covariant=True, default=TestResponse)


class Transport(Protocol[AnswerT]):
    """Sends one request and returns its answer (Flask's test client has this ``open``)."""

    def open(self, path: str, *, method: str, data: bytes, headers: dict[str, str]) -> AnswerT:
        """Send ``method path`` with exactly ``data`` as the body and these headers."""
        ...


class GpasClient(Generic[AnswerT]):
    """Signs and sends GPAS calls; each method returns the transport's answer as it came."""

    def __init__(self, client: Transport[AnswerT], parent_id: str = PARENT_ID,
                 secret: str = SECRET) -> None:
        self.client = client
        self.parent_id = parent_id
        self.secret = secret

    def call(self, method: str, path: str, query: str, body: bytes = b"",
             headers: dict[str, str] | None = None,
             signature: str | Signed | None = Signed.RIGHT) -> AnswerT:
        """Send a JSON request, signed right unless another ``signature`` is given."""
        all_headers = {
            **signed_headers(self.parent_id, self.secret, body, query, signature),
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return self.client.open(f"{path}?{query}", method=method, data=body, headers=all_headers)

    def open_session(self, wallet_id: str, token: str) -> AnswerT:
        """POST /sessions."""
        return self.call("POST", "/sessions", f"walletId={wallet_id}",
                         headers={"Authorization": f"Bearer {token}"})

    def balance(self, session_id: str, path: str = "/wallets/balance") -> AnswerT:
        """GET the balance."""
        return self.call("GET", path, f"walletSessionId={session_id}")

    def debit(self, session_id: str, value: Any, reference: str | None = None,
              **fields: Any) -> AnswerT:
        """POST a debit."""
        return self.move("debit", session_id, value, reference, **fields)

    def credit(self, session_id: str, value: Any, reference: str | None = None,
               **fields: Any) -> AnswerT:
        """POST a credit."""
        return self.move("credit", session_id, value, reference, **fields)

    def move(self, kind: str, session_id: str, value: Any, reference: str | None = None,
             **fields: Any) -> AnswerT:
        """POST a debit or credit (``kind``) of ``value``; ``fields`` replace the body's own."""
        body = {
            "externalReference": reference or f"ref-{uuid.uuid4().hex}",
            "value": value,
            "description": f"{kind} made by gpas",
            "typeCode": f"GAME_{kind.upper()}",
            "tags": {"gpasSessionId": "gpas-1", "gameid": "agt-13"},
            **fields,
        }
        return self.call("POST", f"/movements/{kind}", f"walletSessionId={session_id}",
                         body_bytes(body))

    def rollback(self, session_id: str, reversed_reference: str, reference: str | None = None
                 ) -> AnswerT:
        """PATCH a rollback of ``reversed_reference``."""
        body = {"externalReference": reference or f"rb-{uuid.uuid4().hex}",
                "description": "rollback made by gpas", "tags": {"gameid": "agt-13"}}
        return self.call("PATCH", "/movements/rollback",
                         f"walletSessionId={session_id}&externalMovementId={reversed_reference}",
                         body_bytes(body))

    def close(self, session_id: str) -> AnswerT:
        """PATCH /sessions/close."""
        return self.call("PATCH", "/sessions/close", f"id={session_id}")
