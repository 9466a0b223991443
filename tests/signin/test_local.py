"""Signing in with a password and a TOTP code, and the command that sets them."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from flask import Flask

from devkit.settings import FakeClock
from tests.signin.conftest import (
    PASSWORD,
    Browser,
    audit,
    code_at,
    person,
    run_set_password,
    set_password,
)
from walletsvc.access.directory import Directory
from walletsvc.access.roles import Role
from walletsvc.signin.local import hash_password

FAILED = {"code": 1010, "type": "UNAUTHORIZED", "message": "Sign-in failed"}


@pytest.fixture
def secret(signin_app: Flask, directory: Directory) -> str:
    """The TOTP secret of ``lena``, a finance lead with a local sign-in."""
    person(directory, "lena", Role.FINANCE_LEAD, Role.SUPPORT)
    return set_password(signin_app, "lena")


def test_the_right_password_and_code_sign_in_and_the_session_reads_a_wallet(
        browser: Browser, secret: str, clock: FakeClock, directory: Directory,
        conn: psycopg.Connection[Any], wallet_id: str) -> None:
    signed = browser.sign_in_locally("lena", PASSWORD, code_at(secret, clock))

    assert signed.status_code == 200, signed.get_data(as_text=True)
    lena = directory.by_name("lena")
    assert lena is not None
    assert signed.get_json()["operatorId"] == lena.id
    assert signed.get_json()["via"] == "local"
    assert signed.get_json()["roles"] == ["finance_lead", "support"]
    assert browser.client.get(f"/admin/wallets/{wallet_id}").status_code == 200
    [entry] = audit(conn, "signin.local")
    assert (entry.entry.actor, entry.entry.actor_name, entry.entry.outcome) == (
        lena.id, "lena", 200)


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_code_of_the_step_either_side_is_accepted(browser: Browser, secret: str,
                                                    clock: FakeClock, steps: int) -> None:
    signed = browser.sign_in_locally("lena", PASSWORD, code_at(secret, clock, steps))
    assert signed.status_code == 200


@pytest.mark.parametrize("steps", [-2, 2])
def test_a_code_two_steps_away_is_refused(browser: Browser, secret: str, clock: FakeClock,
                                          steps: int) -> None:
    assert code_at(secret, clock, steps) != code_at(secret, clock)
    refused = browser.sign_in_locally("lena", PASSWORD, code_at(secret, clock, steps))
    assert (refused.status_code, refused.get_json()) == (401, FAILED)


def test_every_failure_answers_the_same_and_the_audit_log_says_which(
        browser: Browser, secret: str, clock: FakeClock, directory: Directory,
        conn: psycopg.Connection[Any]) -> None:
    person(directory, "sam")  # no local sign-in
    cashier = person(directory, "cashier", Role.PLATFORM, kind="service")
    directory.set_password(cashier, hash_password(PASSWORD), secret)  # not as the command does
    code = code_at(secret, clock)
    tries = [
        ("lena", "not the password", code, "wrong password"),
        ("lena", PASSWORD, "000000" if code != "000000" else "111111", "wrong TOTP code"),
        ("sam", PASSWORD, code, "no operator of that name"),
        ("nobody-here", PASSWORD, code, "no operator of that name"),
        ("cashier", PASSWORD, code, "is a service"),
    ]
    for name, password, totp, _ in tries:
        refused = browser.sign_in_locally(name, password, totp)
        assert (refused.status_code, refused.get_json()) == (401, FAILED)
        assert "Set-Cookie" not in refused.headers
    entries = audit(conn, "signin.local")
    assert [(e.entry.actor, e.entry.actor_name, e.entry.outcome) for e in entries] == [
        ("", name, 401) for name, *_ in tries]
    for (*_, reason), recorded in zip(tries, entries, strict=True):
        assert reason in recorded.entry.reason
    assert browser.client.get("/admin/signin/session").status_code == 401


def test_a_code_used_once_is_refused_the_second_time(browser: Browser, secret: str,
                                                    clock: FakeClock, signin_app: Flask,
                                                    conn: psycopg.Connection[Any]) -> None:
    code = code_at(secret, clock)
    assert browser.sign_in_locally("lena", PASSWORD, code).status_code == 200
    other = Browser(signin_app.test_client(), browser.provider)

    replayed = other.sign_in_locally("lena", PASSWORD, code)

    assert (replayed.status_code, replayed.get_json()) == (401, FAILED)
    assert "already used" in audit(conn, "signin.local")[-1].entry.reason
    # Nor a code of an earlier step still inside the window.
    assert other.sign_in_locally("lena", PASSWORD, code_at(secret, clock, -1)).status_code == 401
    clock.advance(30)
    assert other.sign_in_locally("lena", PASSWORD, code_at(secret, clock)).status_code == 200


def test_a_disabled_operator_cannot_sign_in_with_a_password(
        browser: Browser, secret: str, clock: FakeClock, directory: Directory,
        conn: psycopg.Connection[Any]) -> None:
    lena = directory.by_name("lena")
    assert lena is not None
    directory.set_disabled(lena, True)

    refused = browser.sign_in_locally("lena", PASSWORD, code_at(secret, clock))

    assert (refused.status_code, refused.get_json()) == (401, FAILED)
    assert "disabled" in audit(conn, "signin.local")[-1].entry.reason


def test_a_body_without_the_code_is_refused_as_malformed(browser: Browser) -> None:
    refused = browser.client.post("/admin/signin/local", json={"name": "lena",
                                                               "password": PASSWORD})
    assert refused.status_code == 400
    assert "totp" in refused.get_json()["details"]


def test_a_body_that_does_not_say_it_is_json_is_refused(browser: Browser, secret: str,
                                                        clock: FakeClock) -> None:
    """A page elsewhere can send a body without a Content-Type (no preflight), not JSON."""
    body = f'{{"name": "lena", "password": "{PASSWORD}", "totp": "{code_at(secret, clock)}"}}'
    for headers in ({}, {"Content-Type": "text/plain"}):
        refused = browser.client.post("/admin/signin/local", data=body, headers=headers)
        assert refused.status_code == 415
        assert "Set-Cookie" not in refused.headers
    assert browser.client.post("/admin/signin/local", data=body, headers={
        "Content-Type": "application/json"}).status_code == 200


# The command ----------------------------------------------------------------------------

def test_set_password_stores_an_argon2id_hash_and_prints_the_secret_once(
        signin_app: Flask, directory: Directory, conn: psycopg.Connection[Any]) -> None:
    sam = person(directory, "sam")
    result = run_set_password(signin_app, "sam", PASSWORD)

    assert result.exit_code == 0, result.output
    uri = json.loads(result.stdout)["totp"]
    assert uri.startswith("otpauth://totp/walletsvc:sam?secret=")
    assert "issuer=walletsvc" in uri
    found = directory.local_credentials("sam")
    assert found is not None
    operator, password_hash, secret = found
    assert operator.id == sam.id and operator.local
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash
    assert f"secret={secret}" in uri
    [entry] = audit(conn, "operator.set-password")
    assert entry.entry.target == f"operator:{sam.id}"


def test_set_password_again_draws_a_new_secret(signin_app: Flask, directory: Directory
                                               ) -> None:
    person(directory, "sam")
    assert set_password(signin_app, "sam") != set_password(signin_app, "sam")


@pytest.mark.parametrize(("name", "password", "message"), [
    ("sam", "short", "at least 12 characters"),
    ("nobody", PASSWORD, "no operator named 'nobody'"),
    ("cashier", PASSWORD, "a service account uses API tokens"),
])
def test_set_password_refuses_a_short_password_and_anyone_but_a_person(
        signin_app: Flask, directory: Directory, name: str, password: str,
        message: str) -> None:
    person(directory, "sam")
    person(directory, "cashier", Role.PLATFORM, kind="service")

    result = run_set_password(signin_app, name, password)

    assert result.exit_code == 1
    assert message in result.output
    assert directory.local_credentials(name) is None


def test_set_password_ends_the_sessions_signed_in_before(
        browser: Browser, secret: str, clock: FakeClock, signin_app: Flask,
        wallet_id: str) -> None:
    assert browser.sign_in_locally("lena", PASSWORD, code_at(secret, clock)).status_code == 200
    assert browser.client.get(f"/admin/wallets/{wallet_id}").status_code == 200

    set_password(signin_app, "lena")

    assert browser.client.get(f"/admin/wallets/{wallet_id}").status_code == 401
