"""Signing in with the operator's OpenID Connect provider (the stub on loopback)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import requests
from flask import Flask

from devkit.oidc import StubProvider, User
from tests.signin.conftest import (
    CLIENT_ID,
    Browser,
    audit,
    person,
    query_of,
)
from walletsvc.access.directory import Directory
from walletsvc.access.roles import Role


def test_a_person_signed_in_with_the_provider_reads_a_wallet_with_the_session_cookie(
        browser: Browser, provider: StubProvider, directory: Directory,
        conn: psycopg.Connection[Any], wallet_id: str) -> None:
    sam = person(directory, "sam", Role.SUPPORT, subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam", email="sam@example.test")
    provider.default_user = "sam"
    assert browser.client.get(f"/admin/wallets/{wallet_id}").status_code == 401

    signed = browser.sign_in_with_provider()

    assert signed.status_code == 200, signed.get_data(as_text=True)
    assert signed.get_json()["operatorId"] == sam.id
    assert signed.get_json()["roles"] == ["support"]
    assert signed.get_json()["via"] == "oidc"
    read_wallet = browser.client.get(f"/admin/wallets/{wallet_id}")
    assert read_wallet.status_code == 200
    assert read_wallet.get_json()["walletId"] == wallet_id
    [signed_in] = audit(conn, "signin.oidc")
    assert (signed_in.entry.actor, signed_in.entry.actor_name) == (sam.id, "sam")
    assert signed_in.entry.outcome == 200
    [viewed] = audit(conn, "wallet.view")
    assert (viewed.entry.actor, viewed.entry.target) == (sam.id, f"wallet:{wallet_id}")


def test_the_browser_is_sent_with_state_nonce_and_an_s256_challenge(browser: Browser,
                                                                     provider: StubProvider
                                                                     ) -> None:
    location = browser.start()

    assert location.startswith(f"{provider.issuer}/authorize?")
    asked = query_of(location)
    assert asked["client_id"] == CLIENT_ID
    assert asked["response_type"] == "code"
    assert "openid" in asked["scope"].split()
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) >= 43
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    again = query_of(browser.start())
    assert (again["state"], again["nonce"], again["code_challenge"]) != (
        asked["state"], asked["nonce"], asked["code_challenge"])
    assert again["state"] != asked["state"] and again["nonce"] != asked["nonce"]


def test_a_login_hint_goes_along_to_the_provider(browser: Browser, provider: StubProvider,
                                                 directory: Directory) -> None:
    sam = person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = None

    location = browser.start("?login_hint=sam")

    assert query_of(location)["login_hint"] == "sam"
    signed = browser.back(browser.through_provider(location))
    assert signed.get_json()["operatorId"] == sam.id


def test_a_verified_email_links_a_person_not_yet_linked_on_first_sign_in(
        browser: Browser, provider: StubProvider, directory: Directory,
        conn: psycopg.Connection[Any]) -> None:
    ana = person(directory, "ana", Role.AUDITOR, email="Ana@Example.test")
    provider.users["ana"] = User(sub="sub-ana", email="ana@example.test", email_verified=True)
    provider.default_user = "ana"

    signed = browser.sign_in_with_provider()

    assert signed.status_code == 200, signed.get_data(as_text=True)
    assert signed.get_json()["operatorId"] == ana.id
    assert directory.by_subject(f"{provider.issuer}|sub-ana") == directory.get(ana.id)
    [entry] = audit(conn, "signin.oidc")
    assert "verified email" in entry.entry.reason


def test_an_unverified_email_links_nobody(browser: Browser, provider: StubProvider,
                                          directory: Directory,
                                          conn: psycopg.Connection[Any]) -> None:
    ana = person(directory, "ana", email="ana@example.test")
    provider.users["ana"] = User(sub="sub-ana", email="ana@example.test", email_verified=False)
    provider.default_user = "ana"

    refused = browser.sign_in_with_provider()

    assert refused.status_code == 403
    assert refused.get_json()["type"] == "SIGNIN_REFUSED"
    assert directory.get(ana.id) is not None
    assert directory.get(ana.id).oidc_subject is None  # type: ignore[union-attr]


def test_an_email_of_a_person_already_linked_does_not_link_a_second_subject(
        browser: Browser, provider: StubProvider, directory: Directory) -> None:
    person(directory, "ana", email="ana@example.test", subject=f"{provider.issuer}|sub-ana")
    provider.users["other"] = User(sub="sub-other", email="ana@example.test")
    provider.default_user = "other"

    assert browser.sign_in_with_provider().status_code == 403
    assert directory.by_subject(f"{provider.issuer}|sub-other") is None


def test_an_unknown_subject_is_refused_and_no_operator_is_created(
        browser: Browser, provider: StubProvider, directory: Directory,
        conn: psycopg.Connection[Any]) -> None:
    provider.users["stranger"] = User(sub="sub-stranger", email="stranger@example.test")
    provider.default_user = "stranger"
    before = directory.count()

    refused = browser.sign_in_with_provider()

    assert refused.status_code == 403
    assert refused.get_json()["type"] == "SIGNIN_REFUSED"
    assert directory.count() == before
    assert browser.client.get("/admin/signin/session").status_code == 401
    [entry] = audit(conn, "signin.oidc")
    assert entry.entry.outcome == 403
    assert entry.entry.actor == ""
    assert entry.entry.actor_name == f"{provider.issuer}|sub-stranger"
    assert "no operator has this subject" in entry.entry.reason


def test_a_disabled_operator_is_refused(browser: Browser, provider: StubProvider,
                                        directory: Directory,
                                        conn: psycopg.Connection[Any]) -> None:
    sam = person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    directory.set_disabled(sam, True)
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = "sam"

    refused = browser.sign_in_with_provider()

    assert refused.status_code == 403
    assert refused.get_json()["type"] == "SIGNIN_REFUSED"
    [entry] = audit(conn, "signin.oidc")
    assert (entry.entry.target, entry.entry.outcome) == (f"operator:{sam.id}", 403)
    assert "disabled" in entry.entry.reason


@pytest.mark.parametrize(("claims", "foreign_key", "why"), [
    ({"aud": "another-client"}, False, "aud"),
    ({"iss": "http://127.0.0.1:1/another-issuer"}, False, "iss"),
    ({}, True, "BadSignature"),
    ({"exp": 1_000_000_000, "iat": 999_999_000}, False, "Expired"),
    ({"nonce": "not-the-nonce-sent"}, False, "nonce"),
    ({"nonce": None}, False, "nonce"),
], ids=["wrong-audience", "wrong-issuer", "bad-signature", "expired", "other-nonce",
        "no-nonce"])
def test_a_token_that_does_not_verify_signs_nobody_in(
        browser: Browser, provider: StubProvider, directory: Directory,
        conn: psycopg.Connection[Any], wallet_id: str, claims: dict[str, Any],
        foreign_key: bool, why: str) -> None:
    person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = "sam"
    provider.tamper.claims, provider.tamper.foreign_key = claims, foreign_key

    refused = browser.sign_in_with_provider()

    assert refused.status_code == 401
    assert refused.get_json() == {"code": 1010, "type": "UNAUTHORIZED",
                                  "message": "Sign-in failed"}
    assert browser.client.get(f"/admin/wallets/{wallet_id}").status_code == 401
    [entry] = audit(conn, "signin.oidc")
    assert entry.entry.outcome == 401
    assert why in entry.entry.reason


def test_the_same_token_untampered_signs_in(browser: Browser, provider: StubProvider,
                                            directory: Directory) -> None:
    """The refusals above are the tampering's: the same user signs in without it."""
    person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = "sam"
    provider.tamper.claims = {"exp": 1_000_000_000}
    assert browser.sign_in_with_provider().status_code == 401

    provider.tamper.claims = {}
    assert browser.sign_in_with_provider().status_code == 200


def test_a_callback_replayed_signs_nobody_in(browser: Browser, provider: StubProvider,
                                             directory: Directory) -> None:
    person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = "sam"
    back = browser.through_provider(browser.start())
    assert browser.back(back).status_code == 200
    assert browser.client.post("/admin/signout",
                               headers={"X-CSRF-Token": browser.csrf_token()}).status_code == 204

    replayed = browser.back(back)

    assert replayed.status_code == 401
    assert browser.client.get("/admin/signin/session").status_code == 401


def test_a_callback_from_another_browser_signs_nobody_in(
        browser: Browser, signin_app: Flask, provider: StubProvider,
        directory: Directory) -> None:
    """The state and the nonce wait in the browser's own cookie: a code sent to another browser
    (an attacker's link) is refused there."""
    person(directory, "sam", subject=f"{provider.issuer}|sub-sam")
    provider.users["sam"] = User(sub="sub-sam")
    provider.default_user = "sam"
    back = browser.through_provider(browser.start())

    other = Browser(signin_app.test_client(), provider)
    assert other.back(back).status_code == 401


def test_the_provider_refusing_the_person_signs_nobody_in(browser: Browser,
                                                          provider: StubProvider) -> None:
    provider.default_user = "nobody-the-provider-knows"
    back = browser.through_provider(browser.start())
    assert query_of(back)["error"] == "access_denied"

    assert browser.back(back).status_code == 401


def test_the_stub_provider_refuses_a_code_without_the_pkce_verifier(
        provider: StubProvider) -> None:
    """The stub checks PKCE as a provider does: without the verifier a stolen code is useless."""
    provider.users["sam"] = User(sub="sub-sam")
    authorize = requests.get(f"{provider.issuer}/authorize", allow_redirects=False, timeout=10,
                             params={"client_id": CLIENT_ID, "response_type": "code",
                                     "scope": "openid", "state": "s", "login_hint": "sam",
                                     "redirect_uri": "http://localhost/admin/signin/oidc/callback",
                                     "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    code = query_of(authorize.headers["Location"])["code"]

    token = requests.post(f"{provider.issuer}/token", timeout=10, auth=(CLIENT_ID,
                                                                       provider.client_secret),
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": "http://localhost/admin/signin/oidc/callback",
                                "code_verifier": "not-the-verifier"})
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


def test_without_a_provider_configured_oidc_sign_in_is_unavailable(
        make_signin_app: Any) -> None:
    app = make_signin_app(oidc_issuer=None, oidc_client_id=None, oidc_client_secret=None)

    answered = app.test_client().get("/admin/signin/oidc")

    assert answered.status_code == 503
    assert answered.get_json()["type"] == "SIGNIN_UNAVAILABLE"


def test_a_provider_that_does_not_answer_makes_sign_in_unavailable(
        make_signin_app: Any, provider: StubProvider) -> None:
    app = make_signin_app(oidc_issuer="http://127.0.0.1:9")  # discard: nothing listens

    answered = app.test_client().get("/admin/signin/oidc")

    assert answered.status_code == 503
    assert answered.get_json()["type"] == "SIGNIN_UNAVAILABLE"
