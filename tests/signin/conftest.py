"""Fixtures of the sign-in tests: the app with sign-in configured over a fresh operators'
database, the stub OpenID Connect provider, and a browser that goes through both."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pyotp
import pytest
import requests
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.oidc import StubProvider
from devkit.operators import ADMIN, PLATFORM_TOKEN
from devkit.settings import FakeClock, base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.access.audit_log import Filters, Recorded, read
from walletsvc.access.directory import Directory, Kind, Operator
from walletsvc.access.roles import Role

SECRET_KEY = "a-test-secret-key-of-at-least-32-characters"
CLIENT_ID = "walletsvc-tests"
CLIENT_SECRET = "client-secret-for-tests"
CALLBACK = "http://localhost/admin/signin/oidc/callback"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def provider() -> Iterator[StubProvider]:
    """The stub provider on loopback, with this service registered as its client."""
    with StubProvider(CLIENT_ID, CLIENT_SECRET, [CALLBACK]) as stub:
        yield stub


@pytest.fixture
def make_signin_app(ledger_url: str, clock: FakeClock, provider: StubProvider
                    ) -> Callable[..., Flask]:
    """Build the app over fakeredis and a fresh operators' database, sign-in configured."""

    def build(**overrides: Any) -> Flask:
        settings: dict[str, Any] = {
            "ledger_url": ledger_url, "secret_key": SECRET_KEY, "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID, "oidc_client_secret": CLIENT_SECRET}
        app = create_app(base_config(**{**settings, **overrides}), redis=FakeRedis(),
                         clock=clock)
        app.testing = True
        return app

    return build


@pytest.fixture
def signin_app(make_signin_app: Callable[..., Flask]) -> Flask:
    """The app with sign-in by the stub provider and by password."""
    return make_signin_app()


@pytest.fixture
def conn(ledger_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the operators' database the app uses (autocommit)."""
    with psycopg.connect(ledger_url, autocommit=True) as connection:
        yield connection


@pytest.fixture
def directory(conn: psycopg.Connection[Any]) -> Directory:
    """The operators' directory of the app's database."""
    return Directory(conn)


def person(directory: Directory, name: str, *roles: Role, subject: str | None = None,
           email: str | None = None, kind: Kind = "person") -> Operator:
    """Add an operator (a person with the support role unless told otherwise)."""
    return directory.create(name, kind, frozenset(roles or (Role.SUPPORT,)), email=email,
                            created_by="tests", oidc_subject=subject)


def audit(conn: psycopg.Connection[Any], action: str) -> list[Recorded]:
    """Return the audit log's entries of ``action``, oldest first."""
    with conn.transaction():  # the log is read through a server-side cursor
        return list(read(conn, Filters(action=action)))


@dataclass
class Browser:
    """A person's browser: the app's test client, and the provider reached over HTTP, each
    redirect followed by hand."""

    client: FlaskClient
    provider: StubProvider

    def start(self, query: str = "") -> str:
        """Ask to sign in with the provider; return where the browser is sent."""
        started = self.client.get(f"/admin/signin/oidc{query}")
        assert started.status_code == 302, started.get_data(as_text=True)
        return started.headers["Location"]

    def through_provider(self, location: str) -> str:
        """Visit the provider's authorize URL; return where it sends the browser back."""
        answered = requests.get(location, allow_redirects=False, timeout=10)
        assert answered.status_code == 302, answered.text
        return answered.headers["Location"]

    def back(self, location: str) -> TestResponse:
        """Arrive back at the service's callback."""
        url = urlsplit(location)
        assert f"{url.scheme}://{url.netloc}{url.path}" == CALLBACK
        return self.client.get(f"{url.path}?{url.query}")

    def sign_in_with_provider(self) -> TestResponse:
        """Go the whole way: service, provider, callback."""
        return self.back(self.through_provider(self.start()))

    def sign_in_locally(self, name: str, password: str, code: str) -> TestResponse:
        """Sign in with a name, a password and a TOTP code."""
        return self.client.post("/admin/signin/local",
                                json={"name": name, "password": password, "totp": code})

    def csrf_token(self) -> str:
        """Return the session's CSRF token, as a page would ask for it."""
        answered = self.client.get("/admin/signin/session")
        assert answered.status_code == 200, answered.get_data(as_text=True)
        return str(answered.get_json()["csrfToken"])


def query_of(location: str) -> dict[str, str]:
    """Return a URL's query parameters (each given once)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def browser(signin_app: Flask, provider: StubProvider) -> Browser:
    """A browser on the app and the stub provider."""
    return Browser(signin_app.test_client(), provider)


@pytest.fixture
def wallet_id(signin_app: Flask) -> str:
    """A wallet, created by the platform's API token."""
    created = signin_app.test_client().post(
        "/admin/wallets", json={"playerId": "player-1", "currency": "BRL"},
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert created.status_code == 201, created.get_data(as_text=True)
    return str(created.get_json()["walletId"])


def run_set_password(app: Flask, name: str, password: str) -> Result:
    """Run ``walletsvc operators set-password NAME`` as the demo admin, the password on
    standard input."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WALLETSVC_OPERATOR_TOKEN", ADMIN.token)
        return app.test_cli_runner().invoke(args=["operators", "set-password", name],
                                            input=f"{password}\n")


def set_password(app: Flask, name: str, password: str = PASSWORD) -> str:
    """Set NAME's password as the demo admin; return the TOTP secret of the otpauth:// URI it
    printed."""
    result = run_set_password(app, name, password)
    assert result.exit_code == 0, result.output
    uri = json.loads(result.stdout)["totp"]
    assert uri.startswith("otpauth://totp/")
    return query_of(uri)["secret"]


def code_at(secret: str, clock: FakeClock, steps: int = 0) -> str:
    """Return the code an authenticator app shows at the clock's time, ``steps`` of 30 s off."""
    return pyotp.TOTP(secret).at(clock.now_ms // 1000 + steps * 30)
