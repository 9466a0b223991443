"""A stub OpenID Connect provider on loopback, for the tests and `make run`'s demo.

It has no login page: ``/authorize`` signs in at once the user named by ``login_hint`` (or the
stub's default user) and sends the browser back with a code. In everything walletsvc checks it
behaves as a strict provider: its metadata at ``/.well-known/openid-configuration``, its RSA key
(made at start) at ``/jwks``; a code is used once, bound to its client, redirect URL and PKCE
challenge (S256 only, required); ``/token`` checks the client's secret (HTTP Basic or in the
form) and answers an RS256 ID token with iss, aud, sub, email, email_verified, nonce, iat, exp.

``tamper`` makes the tokens it issues wrong in one way (claims replaced, such as another
audience, issuer or nonce, or an expiry in the past; or a signature by a key its JWKS lacks),
so that a test sees the client refuse each.

    python -m devkit.oidc --port 8002 --client-id ID --client-secret SECRET \
        --redirect-uri http://127.0.0.1:8001/admin/signin/oidc/callback [--issuer-file F]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import signal
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devkit.operators import EVERYONE
from devkit.redis import free_port

CODE_LIFETIME_S = 60
TOKEN_LIFETIME_S = 300


@dataclass(frozen=True)
class User:
    """Someone the stub signs in."""

    sub: str
    email: str | None = None
    email_verified: bool = True


@dataclass
class Tamper:
    """How the stub's next tokens go wrong: claims replaced (None removes one), or a foreign key."""

    claims: dict[str, Any] = field(default_factory=dict)
    foreign_key: bool = False


@dataclass(frozen=True)
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    challenge: str
    user: User
    issued: float


class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        """Log nothing: the tests and `make run` print what matters themselves."""


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


class StubProvider:
    """The provider, served by a thread of this process until ``stop``."""

    def __init__(self, client_id: str, client_secret: str, redirect_uris: Iterable[str] = (),
                 users: Mapping[str, User] | None = None, default_user: str | None = None,
                 port: int | None = None) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris = set(redirect_uris)
        self.users = dict(users or {})
        self.default_user = default_user
        self.tamper = Tamper()
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.kid = f"stub-{secrets.token_hex(4)}"
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()
        self._server: BaseWSGIServer = make_server("127.0.0.1", self.port, self._wsgi,
                                                   threaded=True, request_handler=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> StubProvider:
        """Serve in a thread; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> StubProvider:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # The endpoints --------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        routes = {"/.well-known/openid-configuration": self._metadata, "/jwks": self._jwks,
                  "/authorize": self._authorize, "/token": self._token}
        handler = routes.get(request.path)
        response = handler(request) if handler else _json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def _metadata(self, _request: Request) -> Response:
        return _json({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "grant_types_supported": ["authorization_code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "aud", "sub", "email", "email_verified", "nonce", "iat",
                                 "exp"]})

    def _jwks(self, _request: Request) -> Response:
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        assert isinstance(public, dict)
        return _json({"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def _authorize(self, request: Request) -> Response:
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if args.get("client_id") != self.client_id or (
                self.redirect_uris and redirect_uri not in self.redirect_uris):
            # Never back to a URL the client did not register.
            return Response("unknown client or redirect_uri", status=400)

        def back(**params: str | None) -> Response:
            params = {**params, "state": args.get("state"), "iss": self.issuer}
            query = urlencode({k: v for k, v in params.items() if v is not None})
            return Response(status=302, headers={
                "Location": f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"})

        if args.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if "openid" not in args.get("scope", "").split():
            return back(error="invalid_scope")
        if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
            return back(error="invalid_request", error_description="PKCE with S256 is required")
        user = self.users.get(args.get("login_hint") or self.default_user or "")
        if user is None:
            return back(error="access_denied", error_description="no such user")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(self.client_id, redirect_uri, args.get("nonce"),
                                        args["code_challenge"], user, time.time())
        return back(code=code)

    def _client_of(self, request: Request) -> tuple[str, str]:
        auth = request.authorization
        if auth is not None and auth.type == "basic":
            return auth.username or "", auth.password or ""
        return request.form.get("client_id", ""), request.form.get("client_secret", "")

    def _token(self, request: Request) -> Response:
        if request.method != "POST":
            return _json({"error": "invalid_request"}, 405)
        client_id, secret = self._client_of(request)
        if client_id != self.client_id or not hmac.compare_digest(secret, self.client_secret):
            return _json({"error": "invalid_client"}, 401)
        form = request.form
        if form.get("grant_type") != "authorization_code":
            return _json({"error": "unsupported_grant_type"}, 400)
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code is good once
        if (grant is None or grant.client_id != client_id
                or grant.redirect_uri != form.get("redirect_uri")
                or time.time() - grant.issued > CODE_LIFETIME_S
                or not hmac.compare_digest(_s256(form.get("code_verifier", "")),
                                           grant.challenge)):
            return _json({"error": "invalid_grant"}, 400)
        return _json({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer",
                      "expires_in": TOKEN_LIFETIME_S, "scope": "openid email",
                      "id_token": self._id_token(grant)})

    def _id_token(self, grant: _Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": grant.client_id, "sub": grant.user.sub,
            "email": grant.user.email, "email_verified": grant.user.email_verified,
            "nonce": grant.nonce, "iat": now, "exp": now + TOKEN_LIFETIME_S}
        claims.update(self.tamper.claims)
        key = self._foreign if self.tamper.foreign_key else self._key
        return jwt.encode({k: v for k, v in claims.items() if v is not None}, key,
                          algorithm="RS256", headers={"kid": self.kid})


def demo_users() -> dict[str, User]:
    """The demo operators (devkit/operators.py) as the stub's people, by name: each email
    verified, so a first sign-in links the operator of that email."""
    return {demo.name: User(sub=f"demo-{demo.name}", email=f"{demo.name}@example.test")
            for demo in EVERYONE if demo.kind == "person"}


def main() -> None:
    """Serve the stub until SIGTERM or Ctrl-C (`make run`)."""
    parser = argparse.ArgumentParser(description="A stub OpenID Connect provider on loopback.")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", default=[])
    parser.add_argument("--default-user", default="adam-admin")
    parser.add_argument("--issuer-file", type=Path, help="where to write the issuer once up")
    args = parser.parse_args()
    stub = StubProvider(args.client_id, args.client_secret, args.redirect_uri, demo_users(),
                        args.default_user, args.port or None).start()
    if args.issuer_file:
        args.issuer_file.write_text(stub.issuer + "\n")
    print(f"stub OpenID Connect provider at {stub.issuer} (signs in ?login_hint=NAME, "
          f"else {args.default_user})", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    stub.stop()


if __name__ == "__main__":
    main()
