"""Fixtures of the player-protection tests: a funded wallet in play, and its admin calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of


@dataclass
class Player:
    """A wallet with an open session, and the calls that set its protection."""

    admin: AdminClient
    gpas: GpasClient
    wallet_id: str
    session_id: str

    def limit(self, limit: str, value: Any, period: str | None = "DAY",
              by: str = "player") -> TestResponse:
        """POST a limit change; return the raw response."""
        return self.admin.post(f"/wallets/{self.wallet_id}/limits",
                               {"limit": limit, "period": period, "value": value, "by": by})

    def set(self, limit: str, value: Any, period: str | None = "DAY") -> dict[str, Any]:
        """Change a limit, asserting success; return the report."""
        answer = self.limit(limit, value, period)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return dict(json_of(answer))

    def pause(self, kind: str = "PAUSE", until: str | None = None, origin: str = "PLAYER",
              reason: str = "a break") -> TestResponse:
        """POST a pause or exclusion; return the raw response."""
        return self.admin.post(f"/wallets/{self.wallet_id}/pause", {
            "kind": kind, "until": until, "origin": origin, "reason": reason, "by": "player"})

    def report(self) -> dict[str, Any]:
        """GET the wallet's protection report."""
        answer = self.admin.get(f"/wallets/{self.wallet_id}/limits")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return dict(json_of(answer))

    def limit_row(self, limit: str, period: str | None = "DAY") -> dict[str, Any]:
        """Return one limit of the report."""
        rows = [row for row in self.report()["limits"]
                if row["limit"] == limit and row["period"] == period]
        assert len(rows) == 1, rows
        return dict(rows[0])

    def new_session(self) -> str:
        """Open another session on the wallet, asserting success."""
        opened = self.gpas.open_session(self.wallet_id, self.admin.token(self.wallet_id))
        assert opened.status_code == 200, opened.get_data(as_text=True)
        self.session_id = str(json_of(opened)["id"])
        return self.session_id


@pytest.fixture
def player(gpas: GpasClient, admin: AdminClient) -> Player:
    """A wallet with 1000.00 REAL and an open session."""
    wallet_id, session_id = open_session(gpas, admin, real="1000")
    return Player(admin, gpas, wallet_id, session_id)
