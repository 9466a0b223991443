"""Signed GPAS requests as raw HTTP/1.1 bytes, built as cheaply as GPAS could build them."""

from __future__ import annotations

import http.client
import json
from typing import Any

from devkit.operators import PLATFORM_TOKEN
from walletsvc.signing import sign

PARENT_ID = "BENCH1"
SECRET = "bench-parent-secret"
GAME = "agt-13"


def raw_request(method: str, target: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> bytes:
    """Return one HTTP/1.1 request (keep-alive unless the server says otherwise)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def gpas(method: str, path: str, query: str, body: bytes = b"", token: str | None = None,
         request_id: str | None = None) -> bytes:
    """Return a GPAS call signed over the body if there is one, else over the query string."""
    headers = signature_headers(body, query)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if request_id:
        headers["X-Request-Id"] = request_id
    return raw_request(method, f"{path}?{query}", body, headers)


def signature_headers(body: bytes, query: str) -> dict[str, str]:
    """Return the headers GPAS signs a call with: over the body if there is one, else the query."""
    return {"x-parent-system-id": PARENT_ID, "x-signature": sign(body or query.encode(), SECRET)}


def open_session(wallet_id: str, token: str) -> bytes:
    """POST /sessions with a launch token."""
    return gpas("POST", "/sessions", f"walletId={wallet_id}", token=token)


def balance(session_id: str) -> bytes:
    """GET /wallets/balance."""
    return gpas("GET", "/wallets/balance", f"walletSessionId={session_id}")


def movement(kind: str, session_id: str, reference: str, value: str, round_id: str,
             request_id: str | None = None) -> bytes:
    """POST a debit (bet) or credit (win) as GPAS sends it."""
    body = movement_body(kind, reference, value, round_id)
    return gpas("POST", f"/movements/{kind}", f"walletSessionId={session_id}", body,
                request_id=request_id)


def movement_body(kind: str, reference: str, value: str, round_id: str) -> bytes:
    """Return the JSON body of a debit or credit as GPAS sends it."""
    return (f'{{"externalReference":"{reference}","value":"{value}",'
            f'"description":"{kind} round {round_id}","typeCode":"GAME_{kind.upper()}",'
            f'"tags":{{"gameid":"{GAME}","roundId":"{round_id}"}}}}').encode()


def rollback(session_id: str, reference: str, reversed_reference: str) -> bytes:
    """PATCH a rollback of a whole earlier movement."""
    body = (f'{{"externalReference":"{reference}","description":"rollback",'
            f'"tags":{{"gameid":"{GAME}"}}}}').encode()
    query = f"walletSessionId={session_id}&externalMovementId={reversed_reference}"
    return gpas("PATCH", "/movements/rollback", query, body)


def close(session_id: str) -> bytes:
    """PATCH /sessions/close."""
    return gpas("PATCH", "/sessions/close", f"id={session_id}")


def call(port: int, method: str, path: str, body: Any = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """Send one JSON request with http.client (setup only); return (status, parsed body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        raw = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=raw,
                           headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        answer = response.read()
        return response.status, json.loads(answer) if answer else None
    finally:
        connection.close()


def admin(port: int, method: str, path: str, body: Any = None) -> Any:
    """Call the admin API as the platform's service account (a demo operator, devkit/operators.py);
    raise unless it succeeded; return the body."""
    status, answer = call(port, method, f"/admin{path}", body or {},
                          {"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    if status not in (200, 201):
        raise RuntimeError(f"admin {method} {path}: {status} {answer}")
    return answer
