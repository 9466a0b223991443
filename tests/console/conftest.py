"""Fixtures of the console's tests: the app with sign-in over a fresh operators' database,
a person's browser on it (the Flask test client, cookies kept), and a funded wallet."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.settings import FakeClock, base_config
from tests.signin.conftest import PASSWORD, SECRET_KEY, code_at, set_password
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.access.audit_log import Filters, Recorded, read
from walletsvc.ledger.exporter import Exporter, ExportSettings

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def redis() -> FakeRedis:
    """The console app's store (fakeredis)."""
    return FakeRedis()


@pytest.fixture
def make_console_app(ledger_url: str, clock: FakeClock, redis: FakeRedis
                     ) -> Callable[..., Flask]:
    """Build the app with sign-in (no identity provider unless told) over fakeredis; finance
    approves up to 5000 BRL."""

    def build(**overrides: Any) -> Flask:
        settings = {"ledger_url": ledger_url, "secret_key": SECRET_KEY,
                    "approval_limits": {"BRL": Decimal("5000")}, **overrides}
        app = create_app(base_config(**settings), redis=redis, clock=clock)
        app.testing = True
        return app

    return build


@pytest.fixture
def console_app(make_console_app: Callable[..., Flask]) -> Flask:
    """The app the console's tests use."""
    return make_console_app()


def form_token(page: TestResponse) -> str:
    """Return the CSRF token a page's forms carry."""
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)
    return found.group(1)


@dataclass
class Person:
    """A person's browser on the console: one test client, its cookies kept."""

    app: Flask
    clock: FakeClock
    client: FlaskClient = field(init=False)
    secrets: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    def sign_in(self, name: str, next_page: str = "", code: str | None = None
                ) -> TestResponse:
        """Fill in and send the console's sign-in form (a password is set first, once)."""
        if name not in self.secrets:
            self.secrets[name] = set_password(self.app, name)
        page = self.client.get("/console/signin")
        assert page.status_code == 200, page.get_data(as_text=True)
        self.clock.advance(30)  # a TOTP code signs in once: each sign-in has a step of its own
        return self.client.post("/console/signin", data={
            "csrf_token": form_token(page), "name": name, "password": PASSWORD,
            "totp": code or code_at(self.secrets[name], self.clock), "next": next_page})

    def open(self, path: str, **kwargs: Any) -> TestResponse:
        """Open a page, whatever it answers."""
        return self.client.get(path, **kwargs)

    def text(self, path: str, **kwargs: Any) -> str:
        """Open a page that must answer 200 and return its HTML."""
        answered = self.client.get(path, **kwargs)
        assert answered.status_code == 200, (answered.status_code,
                                             answered.get_data(as_text=True))
        return answered.get_data(as_text=True)


@pytest.fixture
def person(console_app: Flask, clock: FakeClock) -> Person:
    """A browser nobody has signed in on yet."""
    return Person(console_app, clock)


@pytest.fixture
def platform(console_app: Flask) -> AdminClient:
    """The platform's API client on the console's app (creates and funds wallets)."""
    return AdminClient(console_app.test_client())


@pytest.fixture
def gpas(console_app: Flask) -> GpasClient[TestResponse]:
    """GPAS's signed client on the console's app."""
    return GpasClient(console_app.test_client())


@pytest.fixture
def audited(ledger_url: str) -> Callable[[str], list[Recorded]]:
    """Return the audit log's entries of an action, oldest first."""

    def entries(action: str) -> list[Recorded]:
        with psycopg.connect(ledger_url, autocommit=True) as conn, conn.transaction():
            return list(read(conn, Filters(action=action)))

    return entries


@pytest.fixture
def export(redis: FakeRedis, ledger_url: str) -> Callable[[], None]:
    """Export what the store holds to the ledger, as ``walletsvc ledger export`` does."""

    def run() -> None:
        exporter = Exporter(redis, ledger_url, ExportSettings())
        try:
            exporter.export_pending()
        finally:
            exporter.close()

    return run
