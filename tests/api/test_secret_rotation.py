"""A parent system's secret is rotated without downtime: both secrets work during the overlap."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import PARENT_ID
from tests.support.answers import error_of

CURRENT, NEXT = "current-secret-of-gpas", "next-secret-of-gpas"


def balance_signed_with(app: Flask, session_id: str, secret: str) -> int:
    """Ask the balance with a call signed with ``secret``; return the HTTP status."""
    return GpasClient(app.test_client(), PARENT_ID, secret).balance(session_id).status_code


def test_calls_signed_with_the_current_or_the_next_secret_are_accepted_during_a_rotation(
        make_app: Callable[..., Flask]) -> None:
    before = make_app(parent_systems={PARENT_ID: (CURRENT,)})
    _, session_id = open_session(GpasClient(before.test_client(), PARENT_ID, CURRENT),
                                 AdminClient(before.test_client()))
    assert balance_signed_with(before, session_id, CURRENT) == 200
    assert balance_signed_with(before, session_id, NEXT) == 400

    during = make_app(parent_systems={PARENT_ID: (CURRENT, NEXT)})
    assert balance_signed_with(during, session_id, CURRENT) == 200
    assert balance_signed_with(during, session_id, NEXT) == 200

    after = make_app(parent_systems={PARENT_ID: (NEXT,)})
    assert balance_signed_with(after, session_id, NEXT) == 200
    refused = GpasClient(after.test_client(), PARENT_ID, CURRENT).balance(session_id)
    assert error_of(refused) == (400, 1006, "SIGNATURE_FAILED")


def test_a_signature_with_neither_secret_is_refused_during_a_rotation(
        make_app: Callable[..., Flask]) -> None:
    app = make_app(parent_systems={PARENT_ID: (CURRENT, NEXT)})
    _, session_id = open_session(GpasClient(app.test_client(), PARENT_ID, NEXT),
                                 AdminClient(app.test_client()))
    refused = GpasClient(app.test_client(), PARENT_ID, "neither").balance(session_id)
    assert error_of(refused) == (400, 1006, "SIGNATURE_FAILED")
