"""GPAS conformance checker: plays GPAS against any operator wallet URL, over HTTP only.

It imports nothing from walletsvc, so an operator can point it at their own wallet:
``walletsvc gpas-check --base-url URL --parent-id ID --secret S --wallet-id W --token T``
(or ``python -m walletsvc.conformance ...``). The wallet needs at least 1.00 to bet with; the
run leaves a debit, a credit and a rollback behind, so use a test wallet. With
``--limited-wallet-id`` and ``--limited-token`` it also checks a limit's refusal: a wallet whose
largest single bet is limited below 1.00 must refuse a bet of 1.00 with code 1010, a type
naming the limit, a message and details, and answer a retry the same.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import ssl
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

# The guide's test vectors (docs/gpas-contract.md, "Signing"): secret, input, signature.
VECTORS = [
    ("Ax34deSfgdB", b"walletId=2sdflsd", "8F0F3379F1C6CC24DF5A4DC2A937061102487C46"),
    ("Ax34deSfgdB", b"walletSessionId=3fa85f64-5717-4562-b3fc-2c963f66afa6",
     "52D7382EB6D253CECBD0414AE0CF5B673C9D2D0C"),
    ("Ax34deSfgdB", b"id=3fa85f64-5717-4562-b3fc-2c963f66afa6",
     "097C11EEE445BB16C4FBC5197E1E4492BD47AB0F"),
]


def gpas_signature(signed: bytes, secret: str) -> str:
    """Return ``UPPER(hex(SHA1(input + secret)))``, as GPAS signs."""
    return hashlib.sha1(signed + secret.encode()).hexdigest().upper()  # noqa: S324


@dataclass
class Exchange:
    """One request and what came back."""

    request: str
    status: int = 0
    body: Any = None
    raw: bytes = b""


@dataclass
class Result:
    """The outcome of one check."""

    name: str
    passed: bool
    request: str
    reason: str = ""


class Peer:
    """Sends signed GPAS calls to a wallet."""

    def __init__(self, base_url: str, parent_id: str, secret: str, timeout: float = 10,
                 client_cert: str | None = None, client_key: str | None = None) -> None:
        parts = urlsplit(base_url)
        self._tls: ssl.SSLContext | None = None
        if parts.scheme == "https":  # GPAS calls with a client certificate (mutual TLS)
            self._tls = ssl.create_default_context()
            if client_cert:
                self._tls.load_cert_chain(client_cert, client_key)
        self._host = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self.parent_id, self.secret, self.timeout = parent_id, secret, timeout

    def call(self, method: str, path: str, query: str, body: dict[str, Any] | None = None,
             token: str | None = None, signature: str | None = None,
             parent_id: str | None = None) -> Exchange:
        """Send one signed call and read the answer."""
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        headers = {"x-parent-system-id": parent_id or self.parent_id, "Accept": "application/json",
                   "x-signature": signature or gpas_signature(raw or query.encode(), self.secret)}
        if raw:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        target = f"{self._prefix}{path}?{query}"
        exchange = Exchange(f"{method} {target}")
        connection = (
            http.client.HTTPSConnection(self._host, timeout=self.timeout, context=self._tls)
            if self._tls else http.client.HTTPConnection(self._host, timeout=self.timeout))
        try:
            connection.request(method, target, body=raw or None, headers=headers)
            response = connection.getresponse()
            exchange.status, exchange.raw = response.status, response.read()
        finally:
            connection.close()
        try:
            exchange.body = json.loads(exchange.raw, parse_float=Decimal) if exchange.raw else None
        except ValueError:
            exchange.body = None
        return exchange


def _code(exchange: Exchange) -> Any:
    return exchange.body.get("code") if isinstance(exchange.body, dict) else None


def _balance(exchange: Exchange) -> Decimal | None:
    if isinstance(exchange.body, dict) and "leftBalance" in exchange.body:
        return Decimal(str(exchange.body["leftBalance"]))
    return None


class Checker:
    """The GPAS script: each step records a pass or a failure with its reason."""

    def __init__(self, peer: Peer, wallet_id: str, token: str) -> None:
        self.peer, self.wallet_id, self.token = peer, wallet_id, token
        self.results: list[Result] = []
        self.session = ""
        self.balance = Decimal(0)
        self.run_id = uuid.uuid4().hex[:12]

    def expect(self, name: str, exchange: Exchange, status: int, code: int | None = None,
               balance: Decimal | None = None, check: Callable[[Exchange], str] | None = None
               ) -> bool:
        """Record whether ``exchange`` got ``status`` (and GPAS ``code``, and ``balance``)."""
        reason = ""
        if exchange.status != status or (code is not None and _code(exchange) != code):
            reason = f"expected HTTP {status}" + (f" code {code}" if code else "") + \
                f", got HTTP {exchange.status} {exchange.raw[:200]!r}"
        elif balance is not None and _balance(exchange) != balance:
            reason = f"expected leftBalance {balance}, got {_balance(exchange)}"
        elif check is not None:
            reason = check(exchange)
        self.results.append(Result(name, not reason, exchange.request, reason))
        return not reason

    def ref(self, label: str) -> str:
        """Return a reference unique to this run."""
        return f"gpas-check-{self.run_id}-{label}"

    def movement(self, kind: str, value: str, reference: str) -> Exchange:
        """Send a debit or credit."""
        body = {"externalReference": reference, "value": value,
                "description": f"gpas-check {kind}", "typeCode": f"GAME_{kind.upper()}",
                "tags": {"gpasSessionId": f"gpas-check-{self.run_id}", "gameid": "chk-1"}}
        return self.peer.call("POST", f"/movements/{kind}",
                              f"walletSessionId={self.session}", body)

    def rollback(self, reversed_reference: str, reference: str) -> Exchange:
        """Send a rollback of ``reversed_reference``."""
        body = {"externalReference": reference, "description": "gpas-check rollback",
                "tags": {"gpasSessionId": f"gpas-check-{self.run_id}"}}
        return self.peer.call(
            "PATCH", "/movements/rollback",
            f"walletSessionId={self.session}&externalMovementId={reversed_reference}", body)


def _session_shape(exchange: Exchange) -> str:
    body = exchange.body if isinstance(exchange.body, dict) else {}
    missing = {"id", "walletId", "created", "status"} - set(body)
    if missing:
        return f"session answer lacks {sorted(missing)}"
    return "" if body["status"] == "OPEN" else f"status is {body['status']!r}, not 'OPEN'"


def _balance_shape(exchange: Exchange) -> str:
    body = exchange.body if isinstance(exchange.body, dict) else {}
    subs = body.get("subWalletsSummary")
    if not {"code", "leftBalance", "subWalletsSummary"} <= set(body) or not isinstance(subs, list):
        return "balance answer lacks code, leftBalance or a subWalletsSummary list"
    return ""


def _empty(exchange: Exchange) -> str:
    return "" if not exchange.raw.strip() else f"expected an empty body, got {exchange.raw[:80]!r}"


def run(checker: Checker) -> list[Result]:
    """Play the whole GPAS script and return every result."""
    c, peer, one = checker, checker.peer, Decimal("1.00")
    for secret, signed, expected in VECTORS:
        ok = gpas_signature(signed, secret) == expected
        c.results.append(Result(f"signature vector {signed.decode()}", ok, "(local)",
                                "" if ok else "the checker's own signer is wrong"))
    query = f"walletId={c.wallet_id}"
    c.expect("unknown parent system is refused", peer.call(
        "POST", "/sessions", query, token=c.token, parent_id=f"unknown-{c.run_id}"), 400, 1001)
    c.expect("bad signature is refused", peer.call(
        "POST", "/sessions", query, token=c.token, signature="0" * 40), 400, 1006)
    opened = peer.call("POST", "/sessions", query, token=c.token)
    if not c.expect("open a session with the launch token", opened, 200, check=_session_shape):
        return c.results
    c.session = opened.body["id"]
    balance = peer.call("GET", "/wallets/balance", f"walletSessionId={c.session}")
    if not c.expect("balance", balance, 200, check=_balance_shape):
        return c.results
    start = _balance(balance) or Decimal(0)
    bet = c.ref("bet")
    c.expect("debit 1.00", c.movement("debit", "1.00", bet), 200, balance=start - one)
    c.expect("credit 0.50", c.movement("credit", "0.50", c.ref("win")), 200,
             balance=start - Decimal("0.50"))
    c.expect("debit with a known reference is a duplicate",
             c.movement("debit", "2.00", bet), 400, 1003)
    c.expect("debit above the balance is refused",
             c.movement("debit", str(start + 1_000_000), c.ref("too-big")), 400, 1007)
    c.expect("rollback of the debit", c.rollback(bet, c.ref("rb-1")), 200,
             balance=start + Decimal("0.50"))
    c.expect("second rollback of the debit is a duplicate",
             c.rollback(bet, c.ref("rb-2")), 400, 1003)
    c.expect("rollback of an unknown movement is refused",
             c.rollback(c.ref("never-sent"), c.ref("rb-3")), 400, 1002)
    c.expect("balance after the movements", peer.call(
        "GET", "/wallets/balance", f"walletSessionId={c.session}"), 200,
        balance=start + Decimal("0.50"))
    c.expect("close the session", peer.call("PATCH", "/sessions/close", f"id={c.session}"),
             200, check=_empty)
    c.expect("balance after close is refused", peer.call(
        "GET", "/wallets/balance", f"walletSessionId={c.session}"), 400, 1004)
    c.expect("debit after close is refused",
             c.movement("debit", "1.00", c.ref("late-bet")), 400, 1004)
    c.expect("closing again is refused",
             peer.call("PATCH", "/sessions/close", f"id={c.session}"), 400, 1004)
    return c.results


def _limit_refusal(exchange: Exchange) -> str:
    body = exchange.body if isinstance(exchange.body, dict) else {}
    if not str(body.get("type", "")).endswith("_LIMIT_REACHED"):
        return f"type {body.get('type')!r} does not name a limit (..._LIMIT_REACHED)"
    if not body.get("message") or not isinstance(body.get("details"), dict):
        return "a limit's refusal needs a message for the player and details"
    return ""


def run_limited(checker: Checker) -> list[Result]:
    """Check a limit's refusal on a wallet whose single bet is limited below 1.00."""
    c, peer = checker, checker.peer
    opened = peer.call("POST", "/sessions", f"walletId={c.wallet_id}", token=c.token)
    if not c.expect("open a session on the limited wallet", opened, 200,
                    check=_session_shape):
        return c.results
    c.session = opened.body["id"]
    over = c.ref("over-limit")
    c.expect("a bet over a limit is refused, naming it",
             c.movement("debit", "1.00", over), 400, 1010, check=_limit_refusal)
    c.expect("a retry of the refused bet gets the same refusal",
             c.movement("debit", "1.00", over), 400, 1010, check=_limit_refusal)
    c.expect("close the limited session",
             peer.call("PATCH", "/sessions/close", f"id={c.session}"), 200, check=_empty)
    return c.results


def table(results: list[Result]) -> str:
    """Render the results as a plain-text table, failures with their request and reason."""
    width = max(len(r.name) for r in results)
    lines = [f"{'check'.ljust(width)}  result"]
    for r in results:
        lines.append(f"{r.name.ljust(width)}  {'PASS' if r.passed else 'FAIL'}")
        if not r.passed:
            lines.append(f"{''.ljust(width)}    request: {r.request}")
            lines.append(f"{''.ljust(width)}    reason:  {r.reason}")
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} checks passed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the checker from the command line; exit 1 on any failure."""
    parser = argparse.ArgumentParser(prog="walletsvc gpas-check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, help="the wallet's base URL")
    parser.add_argument("--parent-id", required=True, help="x-parent-system-id to send")
    parser.add_argument("--secret", required=True, help="the parent system's signing secret")
    parser.add_argument("--wallet-id", required=True, help="a test wallet with at least 1.00")
    parser.add_argument("--token", required=True, help="an unused launch token for that wallet")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--client-cert", help="PEM client certificate, for mutual TLS")
    parser.add_argument("--client-key", help="its PEM key, if not in the certificate file")
    parser.add_argument("--limited-wallet-id",
                        help="a test wallet whose largest single bet is limited below 1.00")
    parser.add_argument("--limited-token", help="an unused launch token for that wallet")
    args = parser.parse_args(argv)
    peer = Peer(args.base_url, args.parent_id, args.secret, args.timeout,
                args.client_cert, args.client_key)
    try:
        results = run(Checker(peer, args.wallet_id, args.token))
        if args.limited_wallet_id and args.limited_token:
            limited = Checker(peer, args.limited_wallet_id, args.limited_token)
            results += run_limited(limited)
    except OSError as exc:
        print(f"cannot reach {args.base_url}: {exc}", file=sys.stderr)
        return 2
    print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
