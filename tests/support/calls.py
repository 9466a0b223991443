"""GPAS calls before they are signed: one well-formed call per endpoint, and faults to put in.

Each refusal test takes the well-formed call to an endpoint (``endpoint_call``), changes one
thing (a header, the body, the query, the signature) and sends it with ``send``, which adds
exactly the parent system and signature headers it is given.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from werkzeug.test import TestResponse

from devkit.gpas import GpasClient, body_bytes, signed_headers
from devkit.settings import OTHER_SECRET, PARENT_ID, SECRET
from walletsvc.signing import sign

UNKNOWN_SESSION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
MISSING: Any = object()  # a field left out of a body


@dataclass(frozen=True)
class Call:
    """One GPAS request before it is signed."""

    method: str
    path: str
    query: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def signed_input(self) -> bytes:
        """Return what GPAS signs: the raw body if there is one, else the raw query."""
        return self.body or self.query.encode()


def good(call: Call) -> str:
    """Return the signature GPAS would send."""
    return sign(call.signed_input(), SECRET)


def send(gpas: GpasClient, call: Call, parent: str | None = PARENT_ID,
         signature: Callable[[Call], str | None] = good,
         content_type: str = "application/json") -> TestResponse:
    """Send ``call`` with exactly the given parent system and signature (None: no header)."""
    headers = {"Content-Type": content_type, **dict(call.headers),
               **signed_headers(parent, gpas.secret, call.body, call.query, signature(call))}
    return gpas.client.open(f"{call.path}?{call.query}", method=call.method, data=call.body,
                            headers=headers)


def movement(kind: str = "debit", value: Any = '"10"', **changes: Any) -> bytes:
    """Return a compact debit or credit body; ``value`` is raw JSON text, MISSING drops a field."""
    body = {
        "externalReference": f"{kind}-1",
        "value": "@value@" if value is not MISSING else MISSING,
        "description": f"{kind} made by gpas",
        "typeCode": f"GAME_{kind.upper()}",
        "tags": {"gpasSessionId": "gpas-1", "gameid": "agt-13"},
        **changes,
    }
    compact = body_bytes({name: v for name, v in body.items() if v is not MISSING})
    return compact if value is MISSING else compact.replace(b'"@value@"', value.encode())


def rollback_body(**changes: Any) -> bytes:
    """Return a compact rollback body; MISSING drops a field."""
    body = {"externalReference": "rb-1", "description": "rollback made by gpas",
            "tags": {"gameid": "agt-13"}, **changes}
    return body_bytes({name: v for name, v in body.items() if v is not MISSING})


@dataclass(frozen=True)
class Live:
    """A BRL wallet with 90 REAL, an open session that bet ``bet-1`` (10), and tokens."""

    wallet_id: str
    session_id: str
    token: str
    used_token: str
    closed_session_id: str = ""


ENDPOINTS = ["sessions", "balance", "my-balance", "debit", "credit", "rollback", "close"]
SESSION_ENDPOINTS = ENDPOINTS[1:]
BODY_ENDPOINTS = ["debit", "credit", "rollback"]


def endpoint_call(name: str, live: Live, session_id: str | None = None) -> Call:
    """Return the well-formed call to endpoint ``name`` (on ``session_id``, default live's)."""
    session = session_id or live.session_id
    query = f"walletSessionId={session}"
    return {
        "sessions": Call("POST", "/sessions", f"walletId={live.wallet_id}",
                         headers=(("Authorization", f"Bearer {live.token}"),)),
        "balance": Call("GET", "/wallets/balance", query),
        "my-balance": Call("GET", "/wallets/my/balance", query),
        "debit": Call("POST", "/movements/debit", query, movement("debit")),
        "credit": Call("POST", "/movements/credit", query, movement("credit")),
        "rollback": Call("PATCH", "/movements/rollback", f"{query}&externalMovementId=bet-1",
                         rollback_body()),
        "close": Call("PATCH", "/sessions/close", f"id={session}"),
    }[name]


def with_body(name: str, body: bytes) -> Callable[[Live], Call]:
    """Return a builder of the call to ``name`` with ``body`` instead of its own."""
    return lambda live: replace(endpoint_call(name, live), body=body)


def with_query(name: str, query: str) -> Callable[[Live], Call]:
    """Replace the query; ``{s}`` and ``{w}`` stand for the session and wallet ids."""
    return lambda live: replace(endpoint_call(name, live),
                                query=query.format(s=live.session_id, w=live.wallet_id))


def _secret_first(call: Call) -> str:
    return hashlib.sha1(SECRET.encode() + call.signed_input()).hexdigest().upper()  # noqa: S324


def _hmac_sha1(call: Call) -> str:
    return hmac.new(SECRET.encode(), call.signed_input(), "sha1").hexdigest().upper()


# 1006: what a wrong signature looks like; None leaves the header out.
SIGNATURE_FAULTS: dict[str, Callable[[Call], str | None]] = {
    "missing": lambda call: None,
    "empty": lambda call: "",
    "lower-case": lambda call: good(call).lower(),
    "truncated": lambda call: good(call)[:-1],
    "one-char-longer": lambda call: good(call) + "0",
    "other-parent-systems-secret": lambda call: sign(call.signed_input(), OTHER_SECRET),
    "over-other-bytes": lambda call: sign(call.signed_input() + b" ", SECRET),
    "secret-prepended": _secret_first,
    "hmac-instead-of-plain-sha1": _hmac_sha1,
    "over-query-instead-of-body": lambda call: sign(call.query.encode(), SECRET),
}
