"""The signed-in session: its cookie, idle and absolute timeouts, CSRF token and sign-out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask

from devkit.operators import PLATFORM_TOKEN
from devkit.settings import FakeClock
from tests.signin.conftest import PASSWORD, Browser, audit, code_at, person, set_password
from walletsvc.access.directory import Directory
from walletsvc.access.roles import Role
from walletsvc.clock import iso_utc
from walletsvc.signin.session import recently_signed_in

COOKIE = "__Host-walletsvc-operator"
MINUTE = 60


@pytest.fixture
def secret(signin_app: Flask, directory: Directory) -> str:
    """The TOTP secret of ``sam``, who supports players."""
    person(directory, "sam", Role.SUPPORT)
    return set_password(signin_app, "sam")


@pytest.fixture
def signed_in(browser: Browser, secret: str, clock: FakeClock) -> Browser:
    """The browser, ``sam`` signed in with a password."""
    signed = browser.sign_in_locally("sam", PASSWORD, code_at(secret, clock))
    assert signed.status_code == 200, signed.get_data(as_text=True)
    return browser


def reads(browser: Browser, wallet_id: str) -> int:
    """Return the status of reading the wallet with the browser's cookie."""
    return browser.client.get(f"/admin/wallets/{wallet_id}").status_code


def block(browser: Browser, wallet_id: str, **headers: str) -> int:
    """Return the status of blocking the wallet with the browser's cookie."""
    return browser.client.post(f"/admin/wallets/{wallet_id}/block",
                               json={"reason": "player asked"}, headers=headers).status_code


def test_the_cookie_is_http_only_lax_secure_and_this_hosts_alone(
        browser: Browser, secret: str, clock: FakeClock) -> None:
    signed = browser.sign_in_locally("sam", PASSWORD, code_at(secret, clock))

    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    flags = {flag.strip().split("=")[0].lower() for flag in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= flags
    assert "domain" not in flags
    assert "SameSite=Lax" in cookie
    assert signed.headers["Cache-Control"] == "no-store"


def test_over_plain_http_on_loopback_the_cookie_is_not_secure(
        make_signin_app: Callable[..., Flask], directory: Directory, clock: FakeClock) -> None:
    app = make_signin_app(operator_plain_http=True)
    person(directory, "sam")
    secret = set_password(app, "sam")

    signed = app.test_client().post("/admin/signin/local", json={
        "name": "sam", "password": PASSWORD, "totp": code_at(secret, clock)})

    cookie = signed.headers["Set-Cookie"]
    assert cookie.startswith("walletsvc-operator=")
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_the_session_tells_who_is_signed_in_and_until_when(signed_in: Browser,
                                                           clock: FakeClock) -> None:
    started = clock.now_ms
    clock.advance(5 * MINUTE)

    answered = signed_in.client.get("/admin/signin/session")

    assert answered.status_code == 200
    body = answered.get_json()
    assert (body["name"], body["roles"], body["via"]) == ("sam", ["support"], "local")
    assert body["signedInAt"] == iso_utc(started)
    assert body["idleUntil"] == iso_utc(started + 30 * MINUTE * 1000)
    assert body["expiresAt"] == iso_utc(started + 12 * 3600 * 1000)
    assert len(body["csrfToken"]) >= 32


def test_a_session_idle_too_long_is_over(signed_in: Browser, clock: FakeClock,
                                         wallet_id: str) -> None:
    clock.advance(29 * MINUTE)
    assert reads(signed_in, wallet_id) == 200
    clock.advance(29 * MINUTE)  # 58 minutes since signing in, 29 since the last request
    assert reads(signed_in, wallet_id) == 200

    clock.advance(30 * MINUTE + 1)
    refused = signed_in.client.get(f"/admin/wallets/{wallet_id}")

    assert refused.status_code == 401
    assert "the session is over" in refused.get_json()["message"]
    assert f"{COOKIE}=;" in refused.headers["Set-Cookie"]  # the browser forgets it
    assert signed_in.client.get("/admin/signin/session").status_code == 401


def test_asking_about_the_session_does_not_keep_it_alive(signed_in: Browser,
                                                         clock: FakeClock,
                                                         wallet_id: str) -> None:
    clock.advance(20 * MINUTE)
    assert signed_in.client.get("/admin/signin/session").status_code == 200
    clock.advance(20 * MINUTE)
    assert reads(signed_in, wallet_id) == 401


def test_a_session_ends_at_its_maximum_age_however_busy(signed_in: Browser, clock: FakeClock,
                                                        wallet_id: str) -> None:
    busy = 0
    while busy + 25 * MINUTE <= 12 * 60 * MINUTE:
        clock.advance(25 * MINUTE)
        busy += 25 * MINUTE
        assert reads(signed_in, wallet_id) == 200, busy
    assert busy > 11 * 60 * MINUTE

    clock.advance(12 * 60 * MINUTE - busy + 1)

    assert reads(signed_in, wallet_id) == 401


def test_the_timeouts_are_the_settings(make_signin_app: Callable[..., Flask],
                                       directory: Directory, clock: FakeClock) -> None:
    app = make_signin_app(session_idle_minutes=5, session_max_hours=1)
    person(directory, "sam")
    browser = Browser(app.test_client(), None)  # type: ignore[arg-type]
    secret = set_password(app, "sam")
    assert browser.sign_in_locally("sam", PASSWORD, code_at(secret, clock)).status_code == 200
    clock.advance(4 * MINUTE)
    assert browser.client.get("/admin/signin/session").status_code == 200

    clock.advance(2 * MINUTE)

    assert browser.client.get("/admin/signin/session").status_code == 401


def test_a_change_with_the_cookie_needs_the_sessions_csrf_token(
        signed_in: Browser, signin_app: Flask, wallet_id: str) -> None:
    assert block(signed_in, wallet_id) == 401
    assert block(signed_in, wallet_id, **{"X-CSRF-Token": "a-guess"}) == 401
    assert signed_in.client.get(f"/admin/wallets/{wallet_id}").get_json()["blocked"] is False

    assert block(signed_in, wallet_id, **{"X-CSRF-Token": signed_in.csrf_token()}) == 200

    assert signed_in.client.get(f"/admin/wallets/{wallet_id}").get_json()["blocked"] is True


def test_the_refusal_without_a_csrf_token_says_so_and_keeps_the_session(
        signed_in: Browser, wallet_id: str) -> None:
    refused = signed_in.client.post(f"/admin/wallets/{wallet_id}/block",
                                    json={"reason": "player asked"})
    assert refused.status_code == 401
    assert "X-CSRF-Token" in refused.get_json()["message"]
    assert reads(signed_in, wallet_id) == 200


def test_an_api_token_needs_no_csrf_token(signin_app: Flask, wallet_id: str) -> None:
    blocked = signin_app.test_client().post(
        f"/admin/wallets/{wallet_id}/block", json={"reason": "player asked"},
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert blocked.status_code == 200


def test_signing_out_ends_the_session_and_every_copy_of_its_cookie(
        signed_in: Browser, signin_app: Flask, wallet_id: str, secret: str, clock: FakeClock,
        conn: psycopg.Connection[Any]) -> None:
    copy = signed_in.client.get_cookie(COOKIE)
    assert copy is not None
    elsewhere = Browser(signin_app.test_client(), signed_in.provider)
    clock.advance(30)
    assert elsewhere.sign_in_locally("sam", PASSWORD, code_at(secret, clock)).status_code == 200

    signed_out = signed_in.client.post("/admin/signout",
                                       headers={"X-CSRF-Token": signed_in.csrf_token()})

    assert signed_out.status_code == 204
    assert reads(signed_in, wallet_id) == 401
    replayed = signin_app.test_client()
    replayed.set_cookie(COOKIE, copy.value)
    assert replayed.get(f"/admin/wallets/{wallet_id}").status_code == 401
    assert reads(elsewhere, wallet_id) == 401
    [entry] = audit(conn, "signin.signout")
    assert (entry.entry.actor_name, entry.entry.outcome) == ("sam", 204)


def test_signing_out_needs_the_csrf_token(signed_in: Browser, wallet_id: str) -> None:
    assert signed_in.client.post("/admin/signout").status_code == 401
    assert reads(signed_in, wallet_id) == 200


def test_signing_in_again_after_signing_out_works(signed_in: Browser, secret: str,
                                                  clock: FakeClock, wallet_id: str) -> None:
    assert signed_in.client.post("/admin/signout", headers={
        "X-CSRF-Token": signed_in.csrf_token()}).status_code == 204
    clock.advance(30)

    assert signed_in.sign_in_locally("sam", PASSWORD, code_at(secret, clock)).status_code == 200
    assert reads(signed_in, wallet_id) == 200


def test_a_disabled_operators_session_ends(signed_in: Browser, directory: Directory,
                                           wallet_id: str) -> None:
    sam = directory.by_name("sam")
    assert sam is not None
    directory.set_disabled(sam, True)

    assert reads(signed_in, wallet_id) == 401


def test_a_cookie_signed_with_another_key_is_no_session(
        signed_in: Browser, make_signin_app: Callable[..., Flask], wallet_id: str) -> None:
    other = make_signin_app(secret_key="another-secret-key-of-32-characters-at-least")
    cookie = signed_in.client.get_cookie(COOKIE)
    assert cookie is not None
    forged = other.test_client()
    forged.set_cookie(COOKIE, cookie.value)
    assert reads(Browser(forged, signed_in.provider), wallet_id) == 401


def test_recently_signed_in_tells_how_long_ago_the_person_signed_in(
        signed_in: Browser, clock: FakeClock) -> None:
    with signed_in.client:
        assert signed_in.client.get("/admin/signin/session").status_code == 200
        assert recently_signed_in(60)
    clock.advance(10 * MINUTE)
    with signed_in.client:
        assert signed_in.client.get("/admin/signin/session").status_code == 200
        assert not recently_signed_in(5 * MINUTE)
        assert recently_signed_in(15 * MINUTE)


def test_without_a_secret_key_nobody_signs_in_and_api_tokens_still_work(
        make_signin_app: Callable[..., Flask]) -> None:
    app = make_signin_app(secret_key=None)
    client = app.test_client()

    refused = client.post("/admin/signin/local", json={"name": "sam", "password": PASSWORD,
                                                       "totp": "123456"})

    assert refused.status_code == 503
    assert refused.get_json()["type"] == "SIGNIN_UNAVAILABLE"
    assert client.get("/admin/signin/oidc").status_code == 503
    assert client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"}, headers={
        "Authorization": f"Bearer {PLATFORM_TOKEN}"}).status_code == 201
