"""The admin API opens only to a live operator API token whose operator holds the route's role;
GPAS credentials and the retired shared admin key do not open it (docs/operators.md)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.operators import AUDITOR, FINANCE, PLATFORM, PLATFORM_TOKEN, SUPPORT, DemoOperator
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from devkit.store import initialised
from tests.support.answers import error_of
from tests.support.store import FakeRedis, snapshot
from walletsvc import create_app
from walletsvc.access.directory import Directory, Operator
from walletsvc.store import RedisClient

ENDPOINTS = [
    ("POST", "/admin/wallets"),
    ("GET", "/admin/wallets/w-1"),
    ("POST", "/admin/wallets/w-1/deposits"),
    ("POST", "/admin/wallets/w-1/withdrawals"),
    ("POST", "/admin/wallets/w-1/block"),
    ("POST", "/admin/wallets/w-1/unblock"),
    ("POST", "/admin/launch-tokens"),
    ("GET", "/admin/wallets/w-1/sessions"),
    ("GET", "/admin/sessions/{session}"),
    ("GET", "/admin/wallets/w-1/movements"),
]


BODIES = {
    "/admin/wallets": {"walletId": "w-2", "playerId": "p", "currency": "BRL"},
    "/admin/wallets/w-1/deposits": {"amount": "5", "subWallet": "REAL", "reference": "x"},
    "/admin/wallets/w-1/withdrawals": {"amount": "5", "subWallet": "REAL", "reference": "y"},
    "/admin/wallets/w-1/block": {"reason": "the player asked"},
    "/admin/wallets/w-1/unblock": {"reason": "the player asked"},
    "/admin/launch-tokens": {"walletId": "w-1"},
}
UNAUTHORIZED = (401, 1010, "UNAUTHORIZED")
# What WALLETSVC_ADMIN_API_KEY held in the tests before operators had their own tokens.
RETIRED_KEY = "admin-key-for-tests"


def call(client: FlaskClient, gpas: GpasClient, admin: AdminClient, method: str, path: str,
         headers: dict[str, str]) -> Callable[[], TestResponse]:
    """Make wallet w-1 with a session; send ``method path`` with ``headers``; answer it."""
    admin.wallet("10", wallet_id="w-1")
    session_id = str(json_of(gpas.open_session("w-1", admin.token("w-1")))["id"])
    return lambda: client.open(path.format(session=session_id), method=method,
                               json=BODIES.get(path, {}), headers=headers)


@pytest.mark.parametrize("authorization", [
    None,
    "",
    "Bearer",
    "Bearer wrong-key",
    f"Bearer {PLATFORM_TOKEN}x",
    f"Bearer {PLATFORM_TOKEN[:-1]}",
    f"Basic {PLATFORM_TOKEN}",
    PLATFORM_TOKEN,
    "Bearer reconciliation-key",
    f"Bearer {RETIRED_KEY}",
    "Bearer wso_" + "x" * 43,  # shaped as a token, never issued
])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_missing_or_unknown_token_is_401_and_changes_nothing(
        client: FlaskClient, gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        method: str, path: str, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    send = call(client, gpas, admin, method, path, headers)
    before = snapshot(redis_client)
    response = send()
    assert error_of(response) == UNAUTHORIZED
    assert set(json_of(response)) == {"code", "type", "message"}
    assert snapshot(redis_client) == before


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_an_operator_without_the_routes_role_is_403_and_changes_nothing(
        client: FlaskClient, gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        method: str, path: str) -> None:
    # The auditor reads the audit log and nothing else.
    send = call(client, gpas, admin, method, path, {"Authorization": f"Bearer {AUDITOR.token}"})
    before = snapshot(redis_client)
    assert error_of(send()) == (403, 1010, "ROLE_REQUIRED")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize(("operator", "method", "path"), [
    (SUPPORT, "POST", "/admin/wallets"),                      # wallets are the platform's
    (SUPPORT, "POST", "/admin/wallets/w-1/deposits"),         # the cashier's money too
    (FINANCE, "POST", "/admin/wallets/w-1/withdrawals"),      # a person asks, never posts
    (FINANCE, "POST", "/admin/launch-tokens"),
    (FINANCE, "POST", "/admin/wallets/w-1/block"),
])
def test_a_persons_role_does_not_reach_the_platforms_routes(
        client: FlaskClient, gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        operator: DemoOperator, method: str, path: str) -> None:
    send = call(client, gpas, admin, method, path, {"Authorization": f"Bearer {operator.token}"})
    before = snapshot(redis_client)
    assert error_of(send()) == (403, 1010, "ROLE_REQUIRED")
    assert snapshot(redis_client) == before


def test_support_reads_a_wallet_with_its_own_token(admin: AdminClient, client: FlaskClient
                                                   ) -> None:
    admin.wallet("10", wallet_id="w-1")
    response = client.get("/admin/wallets/w-1",
                          headers={"Authorization": f"Bearer {SUPPORT.token}"})
    assert response.status_code == 200
    assert json_of(response)["walletId"] == "w-1"


def test_gpas_signature_headers_do_not_open_the_admin_api(gpas: GpasClient,
                                                          redis_client: RedisClient) -> None:
    response = gpas.call("POST", "/admin/wallets", "", b'{"playerId":"p","currency":"BRL"}')
    assert error_of(response) == UNAUTHORIZED
    assert snapshot(redis_client) == initialised()


def test_a_token_is_accepted_whatever_the_case_of_the_scheme(client: FlaskClient) -> None:
    response = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                           headers={"Authorization": f"bearer {PLATFORM_TOKEN}"})
    assert response.status_code == 201


# Tokens that stopped working: each in a database of its own ---------------------------------

@contextmanager
def directory_of(url: str) -> Iterator[tuple[Directory, Operator]]:
    """Open the directory at ``url`` with the platform's operator; commit on leaving."""
    with psycopg.connect(url) as conn:
        directory = Directory(conn)
        operator = directory.by_name(PLATFORM.name)
        assert operator is not None
        yield directory, operator
        conn.commit()


def revoke(directory: Directory, operator: Operator) -> str:
    (live,) = directory.tokens(operator)
    directory.revoke_token(live.id)
    return PLATFORM_TOKEN


def expire(directory: Directory, operator: Operator) -> str:
    token, _ = directory.issue_token(operator, "short-lived", timedelta(seconds=-1))
    return token


def disable(directory: Directory, operator: Operator) -> str:
    directory.set_disabled(operator, True)
    return PLATFORM_TOKEN


@pytest.mark.parametrize("stop", [revoke, expire, disable])
def test_a_revoked_or_expired_token_or_a_disabled_operator_is_401_and_changes_nothing(
        make_app: Callable[..., Flask], ledger_url: str, redis_client: RedisClient,
        stop: Callable[[Directory, Operator], str]) -> None:
    client = make_app(ledger_url=ledger_url).test_client()
    with directory_of(ledger_url) as (directory, operator):
        token = stop(directory, operator)
    before = snapshot(redis_client)
    response = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                           headers={"Authorization": f"Bearer {token}"})
    assert error_of(response) == UNAUTHORIZED
    assert snapshot(redis_client) == before


def test_the_same_token_works_until_it_is_revoked(make_app: Callable[..., Flask],
                                                  ledger_url: str) -> None:
    client = make_app(ledger_url=ledger_url).test_client()
    bearer = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}
    body = {"playerId": "p", "currency": "BRL"}
    assert client.post("/admin/wallets", json=body, headers=bearer).status_code == 201
    with directory_of(ledger_url) as (directory, operator):
        revoke(directory, operator)
    assert error_of(client.post("/admin/wallets", json=body, headers=bearer)) == UNAUTHORIZED


# The retired shared key -------------------------------------------------------------------

def test_with_the_retired_key_still_set_it_opens_nothing(make_app: Callable[..., Flask],
                                                         redis_client: RedisClient) -> None:
    client = make_app(retired_admin_key=True).test_client()
    before = snapshot(redis_client)
    response = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                           headers={"Authorization": f"Bearer {RETIRED_KEY}"})
    assert error_of(response) == UNAUTHORIZED
    assert snapshot(redis_client) == before


class Records(logging.Handler):
    """Keeps every record the walletsvc logger emits (it does not propagate to the root)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """The records walletsvc logs during the test."""
    handler = Records()
    logger = logging.getLogger("walletsvc")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.mark.parametrize(("serves", "warned"), [(("operator",), True), (("gpas",), False)])
def test_the_retired_key_set_warns_at_the_operator_processs_start_only(
        logged: list[logging.LogRecord], serves: tuple[Any, ...], warned: bool) -> None:
    create_app(base_config(retired_admin_key=True), redis=FakeRedis(), clock=FakeClock(),
               serves=serves)
    warnings = [record for record in logged
                if "WALLETSVC_ADMIN_API_KEY is retired" in record.getMessage()]
    assert [record.levelno for record in warnings] == ([logging.WARNING] if warned else [])


def test_without_the_retired_key_nothing_warns(logged: list[logging.LogRecord]) -> None:
    create_app(base_config(), redis=FakeRedis(), clock=FakeClock(), serves=("operator",))
    assert not [record for record in logged if "ADMIN_API_KEY" in record.getMessage()]
