"""An app over its own database of demo operators, so each test reads its own audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient

from devkit.admin import AdminClient
from devkit.operators import DemoOperator
from tests.support.store import FakeRedis
from walletsvc.store import RedisClient


@pytest.fixture
def redis_client() -> RedisClient:
    """Who may do what does not depend on the store: fakeredis alone (the API's tests run
    every route on every real store)."""
    return FakeRedis()


@pytest.fixture
def app(make_app: Callable[..., Flask], ledger_url: str) -> Flask:
    """The app, its operators and audit log in a database of this test's own."""
    return make_app(ledger_url=ledger_url)


@pytest.fixture
def as_operator(client: FlaskClient) -> Callable[[DemoOperator], AdminClient]:
    """An admin API client acting as one demo operator."""
    return lambda demo: AdminClient(client, demo.token)


@pytest.fixture
def sql(ledger_url: str) -> Callable[..., list[tuple[Any, ...]]]:
    """Run one statement on the test's database as its owner; return its rows."""

    def run(query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(ledger_url, autocommit=True) as conn:
            cursor = conn.execute(query.encode(), params)
            return cursor.fetchall() if cursor.description else []

    return run
