"""What every console page holds to: a strict Content-Security-Policy with nothing inline for
it to allow, no cache of a page, static files the console serves itself, and every message in
both languages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.responses import json_of
from tests.console.conftest import Person, form_token
from walletsvc.console.web import POLICY

CONSOLE = Path(__file__).resolve().parents[2] / "walletsvc" / "console"
CATALOGUE = CONSOLE / "translations" / "pt_BR" / "LC_MESSAGES"
_INLINE = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"<script(?![^>]*\ssrc=)[^>]*>",  # a script without src
    r"<style", r"\sstyle=", r"\son[a-z]+=", r"javascript:", r"hx-on",
    r"https?://")]  # nothing loaded from elsewhere


def test_every_page_sends_the_strict_policy_and_holds_nothing_inline(
        person: Person, platform: AdminClient, export: Callable[[], None]) -> None:
    wallet_id = platform.wallet(real="5")
    export()  # the wallet's history pages read the ledger
    pages = ["/console/signin"]
    for path in pages:
        _check(person, path)
    person.sign_in("adam-admin")
    platform_id = json_of(platform.get("/me"))["operatorId"]
    for path in ("/console/", "/console/search", f"/console/wallets/{wallet_id}",
                 f"/console/wallets/{wallet_id}/movements", "/console/search?q=none",
                 f"/console/wallets/{wallet_id}/statement?from=2026-09-01&to=2026-09-30",
                 f"/console/wallets/{wallet_id}/balance-at?at=2026-09-21T15:00",
                 "/console/operators", "/console/me/tokens",
                 f"/console/operators/{platform_id}/tokens",
                 "/console/reconciliation?date_from=2026-09-21", "/console/ledger",
                 "/console/reconciliation/movements?day=2026-09-21&provider=AGT&game=agt-13"
                 "&currency=BRL"):
        _check(person, path)
    made = person.client.post("/console/me/tokens", data={
        "csrf_token": form_token(person.open("/console/me/tokens")), "name": "checked"})
    _check_answer(made, "the page showing a new token's secret", 201)
    assert "script-src 'self'" in POLICY and "style-src 'self'" in POLICY
    assert "unsafe" not in POLICY and "frame-ancestors 'none'" in POLICY


def _check(person: Person, path: str) -> None:
    _check_answer(person.open(path), path, 200, 404)


def _check_answer(answered: TestResponse, path: str, *statuses: int) -> None:
    assert answered.status_code in statuses, (path, answered.status_code)
    assert answered.headers["Content-Security-Policy"] == POLICY
    assert answered.headers["Cache-Control"] == "no-store"
    assert answered.headers["X-Content-Type-Options"] == "nosniff"
    html = answered.get_data(as_text=True)
    assert "<html" in html
    for pattern in _INLINE:
        assert not pattern.search(html), (path, pattern.pattern)


def test_htmx_and_the_stylesheet_are_served_by_the_console(person: Person) -> None:
    page = person.open("/console/signin").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page)

    assert sorted(sources) == ["/console/static/console.css", "/console/static/htmx.min.js"]
    for source in sources:
        served = person.open(source)
        body = served.get_data()
        served.close()
        assert served.status_code == 200 and len(body) > 1000, source
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_every_message_of_the_console_has_its_brazilian_portuguese_translation() -> None:
    used = {found[2] for found in extract_from_dir(
        str(CONSOLE), method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords={"_": None, "_l": None, "gettext": None})}
    with (CATALOGUE / "messages.po").open("rb") as po:
        translated = {m.id: m.string for m in read_po(po) if m.id}

    assert len(used) > 50
    missing = sorted(str(m) for m in used if not translated.get(m))
    assert missing == [], "run the steps of docs/console.md, 'Translations'"


def test_the_compiled_catalogue_is_the_one_the_translations_give() -> None:
    with (CATALOGUE / "messages.po").open("rb") as po, \
            (CATALOGUE / "messages.mo").open("rb") as mo:
        source = {m.id: m.string for m in read_po(po) if m.id}
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}

    assert compiled == source, "compile it: pybabel compile -d walletsvc/console/translations"
