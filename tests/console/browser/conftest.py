"""The console in a real browser: the service under gunicorn on loopback (its operator
process serves the console), the stub OpenID Connect provider, and Debian's chromium driven by
Playwright (never a browser Playwright downloads: /usr/bin/chromium, package ``chromium``).

Without chromium (or Playwright's client) the tests fail under CI=true and skip, saying so,
elsewhere. With CONSOLE_SCREENSHOTS=DIR the journeys save the main pages there (the README's
pictures: CONSOLE_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.oidc import StubProvider, User
from devkit.operators import EVERYONE
from devkit.postgres import LocalPostgres, drop_database, fresh_database
from devkit.redis import RedisServer
from tests.support.service import Service
from tests.tools import require_program, unavailable

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Playwright,
        ViewportSize,
        sync_playwright,
    )
except ImportError:  # the test extra not installed
    sync_playwright = None  # type: ignore[assignment]

CLIENT_ID, CLIENT_SECRET = "walletsvc-console", "console-client-secret"
SECRET_KEY = "a-console-test-secret-key-of-at-least-32-characters"
VIEWPORT: ViewportSize = {"width": 1440, "height": 900}  # the pictures' size
PEOPLE = {demo.name: User(sub=f"sub-{demo.name}", email=f"{demo.name}@example.test")
          for demo in EVERYONE if demo.kind == "person"}



@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's client (its driver ships in its wheel)."""
    if sync_playwright is None:
        unavailable("Playwright's Python client is not installed (pip install -e '.[test]')")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    """Debian's chromium, headless; root runs it without its sandbox."""
    path = require_program("chromium", "chromium")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    browser = playwright.chromium.launch(executable_path=path, args=args)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def provider() -> Iterator[StubProvider]:
    """The stub identity provider, knowing every demo person by their email."""
    stub = StubProvider(CLIENT_ID, CLIENT_SECRET, users=PEOPLE).start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def live(postgres: LocalPostgres, newest_redis_server: RedisServer, provider: StubProvider,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service under gunicorn with sign-in by the stub provider, on plain http loopback.

    Its Redis is a server of its own (the newest version's binary): ``ledger verify`` in the
    journeys compares every wallet Redis holds with this service's ledger, and the run's shared
    server holds other tests' wallets, exported to other ledgers or to none."""
    redis = RedisServer(tmp_path_factory.mktemp("console-redis"),
                        binary=newest_redis_server.binary).start()
    ledger = fresh_database(postgres)
    log = tmp_path_factory.mktemp("console") / "gunicorn.log"
    service = Service(redis.url, log, ledger, workers=1,
                      WALLETSVC_SECRET_KEY=SECRET_KEY,
                      WALLETSVC_OIDC_ISSUER=provider.issuer, WALLETSVC_OIDC_CLIENT_ID=CLIENT_ID,
                      WALLETSVC_OIDC_CLIENT_SECRET=CLIENT_SECRET,
                      WALLETSVC_OPERATOR_PLAIN_HTTP="1",
                      WALLETSVC_APPROVAL_LIMITS=json.dumps({"BRL": "5000"}))
    callback = f"http://127.0.0.1:{service.operator_port}/admin/signin/oidc/callback"
    service.env["WALLETSVC_OIDC_REDIRECT_URL"] = callback
    provider.redirect_uris.add(callback)
    service.start()
    yield service
    service.stop()
    redis.stop()
    drop_database(postgres, ledger)


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (its own cookies) for one person."""
    opened = chromium.new_context(locale="en-US", timezone_id="UTC", viewport=VIEWPORT)
    yield opened
    opened.close()


@pytest.fixture
def screenshots() -> Path | None:
    """Where to save the pages' pictures (CONSOLE_SCREENSHOTS), or None."""
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def console_url(service: Service, path: str = "/console/") -> str:
    """Return the console's address on the live operator process."""
    return f"http://127.0.0.1:{service.operator_port}{path}"


def operator_call(service: Service, token: str, method: str, path: str,
                  body: dict[str, Any] | None = None) -> Any:
    """Call the admin API with an operator's token; assert success; return the body."""
    answer = service.operator_http.open(
        path, method=method, data=json.dumps(body or {}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert answer.status_code in (200, 201), (answer.status_code, answer.data)
    return answer.json
