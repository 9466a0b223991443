"""Signing in and out of the console: the form, its tokens, the way back to the page asked
for, and the session's idle timeout."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask

from devkit.oidc import StubProvider, User
from devkit.settings import FakeClock
from tests.console.conftest import Person, form_token
from walletsvc.access.audit_log import Recorded

CALLBACK = "http://localhost/admin/signin/oidc/callback"


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_then_back(
        person: Person) -> None:
    asked = person.open("/console/search?q=w-1")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/console/signin?next=/console/search?q%3Dw-1"

    signed = person.sign_in("sam-support", next_page="/console/search?q=w-1")

    assert signed.status_code == 302
    assert signed.headers["Location"] == "/console/search?q=w-1"


def test_the_form_signs_in_and_the_home_page_greets_the_person_with_their_roles(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    signed = person.sign_in("sam-support")

    assert (signed.status_code, signed.headers["Location"]) == (302, "/console/")
    home = person.text("/console/")
    assert "Hello, sam-support" in home
    assert '<span class="role">support</span>' in home
    [entry] = audited("signin.local")
    assert (entry.entry.actor_name, entry.entry.outcome) == ("sam-support", 200)


def test_a_wrong_code_signs_nobody_in_and_the_audit_log_keeps_the_failure(
        person: Person, audited: Callable[[str], list[Recorded]]) -> None:
    failed = person.sign_in("sam-support", code="000000")

    assert failed.status_code == 401
    assert "Sign-in failed." in failed.get_data(as_text=True)
    assert person.open("/console/").status_code == 302
    [entry] = audited("signin.local")
    assert (entry.entry.actor_name, entry.entry.outcome) == ("sam-support", 401)


def test_the_form_without_its_own_token_signs_nobody_in(person: Person) -> None:
    person.sign_in("sam-support")  # sets the password; then a forged post from elsewhere:
    person.client.post("/console/signout", data={
        "csrf_token": form_token(person.open("/console/"))})

    forged = person.client.post("/console/signin", data={
        "name": "sam-support", "password": "whatever", "totp": "123456"})

    assert forged.status_code == 400
    assert person.open("/console/").status_code == 302


def test_another_site_open_redirect_is_refused_after_signing_in(person: Person) -> None:
    signed = person.sign_in("sam-support", next_page="//elsewhere.example/console/")

    assert signed.headers["Location"] == "/console/"


def test_signing_out_needs_the_session_token_and_ends_the_session(person: Person) -> None:
    person.sign_in("sam-support")

    refused = person.client.post("/console/signout", data={"csrf_token": "forged"})
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/console/signin?next=")
    assert person.open("/console/").status_code == 200  # still signed in

    token = form_token(person.open("/console/"))
    out = person.client.post("/console/signout", data={"csrf_token": token})
    assert (out.status_code, out.headers["Location"]) == (302, "/console/signin?signed_out=1")
    assert "You are signed out." in person.text("/console/signin?signed_out=1")
    assert person.open("/console/").status_code == 302


def test_a_session_idle_too_long_sends_the_person_to_sign_in_again(
        person: Person, clock: FakeClock) -> None:
    person.sign_in("sam-support")
    clock.advance(31 * 60)

    again = person.open("/console/")

    assert again.status_code == 302
    assert again.headers["Location"].startswith("/console/signin")


def test_htmx_is_told_to_send_the_whole_page_to_sign_in(person: Person) -> None:
    asked = person.open("/console/wallets/w-1/movements", headers={"HX-Request": "true"})

    assert asked.status_code == 204
    assert asked.headers["HX-Redirect"].startswith("/console/signin?next=")


@pytest.fixture
def provider() -> Iterator[StubProvider]:
    """The stub identity provider, knowing sam-support by their email."""
    users = {"sam": User(sub="sub-sam", email="sam-support@example.test")}
    with StubProvider("console-tests", "console-secret", [CALLBACK], users=users,
                      default_user="sam") as stub:
        yield stub


@pytest.mark.parametrize(("asked", "back_to"), [
    ("/console/search?q=w-1", "/console/search?q=w-1"),
    ("https://elsewhere.example/console/", None),
    ("//elsewhere.example/console/", None),
    ("/admin/me", None),
])
def test_the_company_account_brings_the_person_back_to_a_console_page_only(
        make_console_app: Callable[..., Flask], provider: StubProvider, asked: str,
        back_to: str | None) -> None:
    app = make_console_app(oidc_issuer=provider.issuer, oidc_client_id="console-tests",
                           oidc_client_secret="console-secret")
    client = app.test_client()
    started = client.get("/admin/signin/oidc", query_string={"next": asked})
    answered = requests.get(started.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answered.headers["Location"])

    arrived = client.get(f"{back.path}?{back.query}")

    if back_to is None:
        assert arrived.status_code == 200 and arrived.get_json()["name"] == "sam-support"
    else:
        assert (arrived.status_code, arrived.headers["Location"]) == (302, back_to)
        assert client.get("/console/").status_code == 200
