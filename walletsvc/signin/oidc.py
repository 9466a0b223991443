"""Sign-in with the operator's OpenID Connect provider, through authlib's Flask client.

The authorization code flow with PKCE (S256): the browser is sent to the provider with a fresh
state and nonce, which wait in the session cookie with the PKCE verifier; the provider sends it
back with a code, which this service exchanges, with its client secret and the verifier, for an
ID token. The token is accepted only if its signature verifies with a key of the provider's
JWKS (RS256 and the others the provider's metadata lists), its ``iss`` is WALLETSVC_OIDC_ISSUER
(the metadata must say the same issuer), its ``aud`` holds WALLETSVC_OIDC_CLIENT_ID, its
``nonce`` is the one sent, and it has not expired (a minute's leeway for clocks).

The person is ``"issuer|sub"`` (never the email, which a provider may let people change); what
the routes do with it is walletsvc/api/signin.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask, Response, current_app
from joserfc.errors import JoseError

from walletsvc.config import Config
from walletsvc.errors import SignInUnavailable

_EXTENSION = "walletsvc.oidc"
_NAME = "walletsvc"
SCOPE = "openid email"
LEEWAY_S = 60  # how far the provider's clock and ours may differ
TIMEOUT_S = 5  # each call to the provider: a stuck one must not hold a worker's thread


class TokenRejected(Exception):
    """The provider's answer does not prove who signed in (the message says why)."""


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    subject: str  # "issuer|sub"
    email: str | None
    email_verified: bool


@dataclass(frozen=True)
class _Provider:
    client: Any  # authlib's FlaskOAuth2App (untyped)
    issuer: str
    client_id: str


def configure(app: Flask, config: Config) -> None:
    """Register the provider's client on ``app`` (when an issuer and a secret key are set)."""
    if not (config.oidc_issuer and config.oidc_client_id and config.secret_key):
        return
    client = OAuth(app).register(
        _NAME, client_id=config.oidc_client_id, client_secret=config.oidc_client_secret,
        server_metadata_url=config.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT_S})
    app.extensions[_EXTENSION] = _Provider(client, config.oidc_issuer, config.oidc_client_id)


def _provider() -> _Provider:
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        raise SignInUnavailable("no OpenID Connect provider is configured "
                                "(WALLETSVC_OIDC_ISSUER)")
    return cast(_Provider, found)


def _checked_metadata(provider: _Provider) -> None:
    """Load the provider's metadata once; it must name the configured issuer."""
    metadata = provider.client.load_server_metadata()
    if metadata.get("issuer") != provider.issuer:
        raise SignInUnavailable(f"the provider's metadata names the issuer "
                                f"{metadata.get('issuer')!r}, not WALLETSVC_OIDC_ISSUER")


def redirect_to_provider(redirect_url: str, login_hint: str | None = None) -> Response:
    """Send the browser to the provider, the state, nonce and PKCE verifier kept in the cookie
    (``login_hint``: who the person says they are, for the provider's sign-in page)."""
    provider = _provider()
    hint = {"login_hint": login_hint} if login_hint else {}
    try:
        _checked_metadata(provider)
        return cast(Response, provider.client.authorize_redirect(redirect_url, **hint))
    except requests.RequestException as exc:
        raise SignInUnavailable(f"the identity provider did not answer: "
                                f"{type(exc).__name__}") from None


def identity_from_callback() -> Identity:
    """Exchange the code of the provider's redirect for an ID token, and return who it names.

    Raise TokenRejected when the answer proves nothing, SignInUnavailable when the provider
    does not answer."""
    provider = _provider()
    options = {"iss": {"essential": True, "value": provider.issuer},
               "aud": {"essential": True, "value": provider.client_id},
               "sub": {"essential": True}}
    try:
        _checked_metadata(provider)
        token = provider.client.authorize_access_token(claims_options=options, leeway=LEEWAY_S)
    except requests.RequestException as exc:
        raise SignInUnavailable(f"the identity provider did not answer: "
                                f"{type(exc).__name__}") from None
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        raise TokenRejected(f"{type(exc).__name__}: {exc}"[:300]) from None
    claims = token.get("userinfo")
    if not claims:
        raise TokenRejected("the provider answered without an ID token")
    return Identity(subject=f"{provider.issuer}|{claims['sub']}", email=claims.get("email"),
                    email_verified=claims.get("email_verified") in (True, "true"))
