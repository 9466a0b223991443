"""Of several faults in one call the earliest check answers, and nothing changes
(docs/gpas-contract.md, "The order of checks").

The order: parent system, signature, request shape, session, business rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import OTHER_PARENT, PARENT_ID
from tests.support.answers import (
    INVALID_AMOUNT,
    INVALID_REQUEST,
    INVALID_SESSION,
    SIGNATURE_FAILED,
    SYSTEM_ERROR,
    assert_refused,
)
from tests.support.calls import (
    SIGNATURE_FAULTS,
    UNKNOWN_SESSION,
    Call,
    Live,
    endpoint_call,
    good,
    movement,
    send,
    with_body,
    with_query,
)
from walletsvc.signing import sign
from walletsvc.store import RedisClient


def bad_signature(call: Call) -> str:
    return sign(call.signed_input(), "not-the-secret")


def on_session(name: str, session: str, **body: Any) -> Callable[[Live], Call]:
    """Return a debit or credit call on the live, closed or unknown session with body changes."""
    def build(live: Live) -> Call:
        session_id = {"live": live.session_id, "unknown": UNKNOWN_SESSION,
                      "closed": live.closed_session_id}[session]
        call = endpoint_call(name, live, session_id)
        return replace(call, body=movement(name, **body)) if body else call
    return build


@pytest.fixture
def closed(gpas: GpasClient, admin: AdminClient, live: Live) -> str:
    """A closed session on the live wallet."""
    session_id = str(json_of(gpas.open_session(live.wallet_id, admin.token(live.wallet_id)))["id"])
    assert gpas.close(session_id).status_code == 200
    return session_id


CHECK_ORDER = [
    pytest.param("UNKNOWN", bad_signature, on_session("debit", "live"), SYSTEM_ERROR,
                 id="unknown-parent-before-bad-signature"),
    pytest.param(None, SIGNATURE_FAULTS["missing"], with_body("debit", b"not json"),
                 SYSTEM_ERROR, id="missing-parent-before-missing-signature-and-bad-body"),
    pytest.param("UNKNOWN", good, on_session("balance", "unknown"), SYSTEM_ERROR,
                 id="unknown-parent-before-unknown-session"),
    pytest.param(OTHER_PARENT, good, on_session("debit", "live"), SIGNATURE_FAILED,
                 id="known-parent-signed-with-another-secret"),
    pytest.param(PARENT_ID, bad_signature, with_body("debit", b"not json"), SIGNATURE_FAILED,
                 id="bad-signature-before-bad-body"),
    pytest.param(PARENT_ID, bad_signature,
                 with_query("balance", "walletSessionId={s}&walletSessionId={s}"),
                 SIGNATURE_FAILED, id="bad-signature-before-repeated-parameter"),
    pytest.param(PARENT_ID, bad_signature, on_session("debit", "live", value="-1"),
                 SIGNATURE_FAILED, id="bad-signature-before-negative-amount"),
    pytest.param(PARENT_ID, bad_signature, on_session("credit", "unknown"), SIGNATURE_FAILED,
                 id="bad-signature-before-unknown-session"),
    pytest.param(PARENT_ID, bad_signature, on_session("debit", "live", value="1000"),
                 SIGNATURE_FAILED, id="bad-signature-before-insufficient-funds"),
    pytest.param(PARENT_ID, bad_signature, with_query("sessions", "walletId=no-such-wallet"),
                 SIGNATURE_FAILED, id="bad-signature-before-unknown-wallet"),
    pytest.param(PARENT_ID, good, on_session("debit", "unknown", typeCode="GAME_CREDIT"),
                 INVALID_REQUEST, id="bad-body-before-unknown-session"),
    pytest.param(PARENT_ID, good, on_session("credit", "closed", extra="1"), INVALID_REQUEST,
                 id="unknown-field-before-closed-session"),
    pytest.param(PARENT_ID, good,
                 with_query("debit", f"walletSessionId={UNKNOWN_SESSION}&walletSessionId=x"),
                 INVALID_REQUEST, id="repeated-parameter-before-unknown-session"),
    pytest.param(PARENT_ID, good, on_session("debit", "unknown", value="-1"), INVALID_AMOUNT,
                 id="negative-amount-before-unknown-session"),
    pytest.param(PARENT_ID, good, on_session("debit", "closed", value='"NaN"'), INVALID_AMOUNT,
                 id="nan-amount-before-closed-session"),
    pytest.param(PARENT_ID, good, on_session("debit", "unknown", value='"1000"'),
                 INVALID_SESSION, id="unknown-session-before-insufficient-funds"),
    pytest.param(PARENT_ID, good, on_session("debit", "closed", value='"1000"'),
                 INVALID_SESSION, id="closed-session-before-insufficient-funds"),
    pytest.param(PARENT_ID, good, on_session("debit", "closed", externalReference="bet-1"),
                 INVALID_SESSION, id="closed-session-before-known-reference"),
    pytest.param(PARENT_ID, good, on_session("debit", "unknown", value='"1.001"'),
                 INVALID_SESSION, id="unknown-session-before-currency-scale"),
    pytest.param(PARENT_ID, good,
                 with_query("rollback", f"walletSessionId={UNKNOWN_SESSION}"
                                        "&externalMovementId=late-bet"),
                 INVALID_SESSION, id="unknown-session-before-unknown-rollback-reference"),
]


@pytest.mark.parametrize(("parent", "signature", "build", "expected"), CHECK_ORDER)
def test_earlier_check_wins_and_changes_nothing(
        gpas: GpasClient, live: Live, closed: str, redis_client: RedisClient,
        parent: str | None, signature: Callable[[Call], str | None],
        build: Callable[[Live], Call], expected: tuple[int, int, str]) -> None:
    call = build(replace(live, closed_session_id=closed))
    assert_refused(redis_client, lambda: send(gpas, call, parent=parent, signature=signature),
                   expected)
