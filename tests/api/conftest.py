"""Fixtures of the API tests beyond the app and its clients (tests/conftest.py)."""

from __future__ import annotations

import pytest

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from tests.support.calls import Live


@pytest.fixture
def live(gpas: GpasClient, admin: AdminClient) -> Live:
    """A wallet in play, with an unused launch token for it."""
    wallet_id = admin.wallet("100")
    used_token = admin.token(wallet_id)
    opened = gpas.open_session(wallet_id, used_token)
    assert opened.status_code == 200
    session_id = str(json_of(opened)["id"])
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    return Live(wallet_id, session_id, admin.token(wallet_id), used_token)
