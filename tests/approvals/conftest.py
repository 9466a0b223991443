"""Fixtures of the money requests' tests: the app on its own operators' database, and a desk
that asks and decides as any demo operator.

The store is fakeredis: what is tested here is the requests and their rules in PostgreSQL;
the cashier's script they apply through is tested on every real store elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.operators import FINANCE, DemoOperator
from devkit.responses import decimal_json, json_of
from tests.support.store import FakeRedis
from walletsvc.store import RedisClient

LIMITS = {"BRL": Decimal("1000.00")}


@pytest.fixture
def redis_client() -> Iterator[RedisClient]:
    """fakeredis only (see the module's doc)."""
    yield FakeRedis()


@pytest.fixture
def app(make_app: Callable[..., Flask], ledger_url: str) -> Flask:
    """The app with a finance approval limit of 1000.00 BRL (none in other currencies), on a
    fresh database holding the demo operators."""
    return make_app(ledger_url=ledger_url, approval_limits=LIMITS)


@dataclass
class Desk:
    """Money requests asked for and decided as the demo operators."""

    client: FlaskClient
    ledger_url: str

    def by(self, who: DemoOperator) -> AdminClient:
        """Return an admin client calling as ``who``."""
        return AdminClient(self.client, token=who.token)

    def ask(self, who: DemoOperator, wallet_id: str, amount: Any, kind: str = "DEPOSIT",
            **changes: Any) -> TestResponse:
        """POST a request; return the raw response. ``changes`` replace body fields (None
        removes one)."""
        body = {"walletId": wallet_id, "kind": kind, "subWallet": "REAL", "amount": amount,
                "reasonCode": "GOODWILL", "note": "compensation for a failed game round",
                "ticket": "SUP-1234"}
        body.update(changes)
        return self.by(who).post("/money-requests",
                                 {k: v for k, v in body.items() if v is not None})

    def asked(self, wallet_id: str, amount: Any, kind: str = "DEPOSIT",
              who: DemoOperator = FINANCE, **changes: Any) -> dict[str, Any]:
        """Ask for a movement, asserting it is pending; return the request."""
        answer = self.ask(who, wallet_id, amount, kind, **changes)
        assert answer.status_code == 201, answer.get_data(as_text=True)
        request: dict[str, Any] = decimal_json(answer)
        assert request["state"] == "PENDING"
        return request

    def approve(self, who: DemoOperator, request_id: str, reason: str | None = None
                ) -> TestResponse:
        """POST an approval; return the raw response."""
        return self.by(who).post(f"/money-requests/{request_id}/approve",
                                 {"reason": reason} if reason else {})

    def reject(self, who: DemoOperator, request_id: str, reason: str | None = "duplicate"
               ) -> TestResponse:
        """POST a rejection; return the raw response."""
        return self.by(who).post(f"/money-requests/{request_id}/reject",
                                 {"reason": reason} if reason else {})

    def get(self, who: DemoOperator, request_id: str) -> dict[str, Any]:
        """GET a request, asserting success."""
        answer = self.by(who).get(f"/money-requests/{request_id}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return dict(decimal_json(answer))

    def rows(self, wallet_id: str) -> list[dict[str, Any]]:
        """Return the stored requests of a wallet, as PostgreSQL holds them, oldest first."""
        with psycopg.connect(self.ledger_url) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT id, kind, sub_wallet, amount, currency, state, decision, movement_id"
                " FROM money_requests WHERE wallet_id = %s ORDER BY seq", (wallet_id,))
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def audit(self, target: str) -> list[dict[str, Any]]:
        """Return the operator audit entries about ``target``, oldest first."""
        with psycopg.connect(self.ledger_url) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT action, actor_name, outcome, reason, before, after FROM operator_audit"
                " WHERE target = %s ORDER BY seq", (target,))
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def desk(client: FlaskClient, ledger_url: str) -> Desk:
    """Ask for and decide money requests as any demo operator."""
    return Desk(client, ledger_url)


def error_of(answer: TestResponse) -> tuple[int, int, str]:
    """Return an error answer's status, GPAS code and type."""
    body = json_of(answer)
    return answer.status_code, body["code"], body["type"]
