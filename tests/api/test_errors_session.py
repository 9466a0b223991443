"""A call on a session (1004) or wallet (1005) not live and the caller's is refused, unchanged.

The session is checked before every business rule, whatever the call holds (docs/gpas-contract.md,
"The order of checks").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from flask import Flask
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import OTHER_PARENT, OTHER_SECRET, PORTAL_KEY, START_MS, FakeClock
from tests.support.answers import INVALID_SESSION, assert_refused
from tests.support.calls import SESSION_ENDPOINTS, UNKNOWN_SESSION, Live, endpoint_call, send
from walletsvc.store import RedisClient

# 1004: session -----------------------------------------------------------------------------

def session_in(state: str, gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> Live:
    """Return a wallet whose session id names an unknown, closed, expired or foreign session."""
    wallet_id = admin.wallet("100")
    token = admin.token(wallet_id)
    if state == "unknown":
        return Live(wallet_id, UNKNOWN_SESSION, token, token)
    opener = GpasClient(gpas.client, OTHER_PARENT, OTHER_SECRET) if state == "foreign" else gpas
    session_id = str(json_of(opener.open_session(wallet_id, admin.token(wallet_id)))["id"])
    assert opener.debit(session_id, "10", reference="bet-1").status_code == 200
    if state == "closed":
        assert opener.close(session_id).status_code == 200
    if state == "expired":
        clock.advance(31 * 60)
    return Live(wallet_id, session_id, token, token)


@pytest.mark.parametrize("state", ["unknown", "closed", "expired", "foreign"])
@pytest.mark.parametrize("name", SESSION_ENDPOINTS)
def test_call_on_unknown_closed_expired_or_foreign_session_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock, redis_client: RedisClient,
        name: str, state: str) -> None:
    target = session_in(state, gpas, admin, clock)
    assert_refused(redis_client, lambda: send(gpas, endpoint_call(name, target)),
                   INVALID_SESSION)


# docs/gpas-contract.md, "The order of checks": the session is checked before every business rule,
# whatever the request holds.
BUSINESS_FAULTS: dict[str, Callable[[GpasClient, str], TestResponse]] = {
    "debit-of-unknown-game": lambda gpas, sid: gpas.debit(sid, "1", tags={"gameid": "zzz-9"}),
    "debit-of-zero": lambda gpas, sid: gpas.debit(sid, "0"),
    "debit-over-the-currency-scale": lambda gpas, sid: gpas.debit(sid, "1.001"),
    "debit-over-the-funds": lambda gpas, sid: gpas.debit(sid, "1000"),
    "debit-under-a-known-reference": lambda gpas, sid: gpas.debit(sid, "1", reference="bet-1"),
    "credit-of-unknown-game": lambda gpas, sid: gpas.credit(sid, "1", tags={"gameid": "zzz-9"}),
    "credit-over-the-currency-scale": lambda gpas, sid: gpas.credit(sid, "0.001"),
    "credit-under-a-known-reference": lambda gpas, sid: gpas.credit(sid, "1", reference="bet-1"),
    "rollback-of-unknown-reference": lambda gpas, sid: gpas.rollback(sid, "late-bet"),
    "rollback-of-a-known-movement": lambda gpas, sid: gpas.rollback(sid, "bet-1"),
    "rollback-under-a-known-reference": lambda gpas, sid: gpas.rollback(
        sid, "bet-1", reference="bet-1"),
}


@pytest.mark.parametrize("state", ["closed", "expired"])
@pytest.mark.parametrize("fault", BUSINESS_FAULTS)
def test_call_on_closed_or_expired_session_is_1004_whatever_game_amount_or_reference(
        make_app: Callable[..., Flask], clock: FakeClock, redis_client: RedisClient,
        catalogue_path: Path, state: str, fault: str) -> None:
    client = make_app(games_catalogue=catalogue_path).test_client()
    gpas = GpasClient(client)
    target = session_in(state, gpas, AdminClient(client), clock)
    assert_refused(redis_client, lambda: BUSINESS_FAULTS[fault](gpas, target.session_id),
                   INVALID_SESSION)


# 1005: wallet ------------------------------------------------------------------------------

def portal_jwt(wallet_id: str) -> str:
    payload = {"walletId": wallet_id, "jti": "jti-1", "exp": START_MS // 1000 + 60}
    return jwt.encode(payload, PORTAL_KEY, algorithm="HS256")


@pytest.mark.parametrize("token_of", ["portal-jwt-for-it", "launch-token-of-another-wallet"])
def test_open_session_on_unknown_wallet_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, token_of: str) -> None:
    token = portal_jwt("no-such-wallet") if token_of == "portal-jwt-for-it" else live.token
    assert_refused(redis_client, lambda: gpas.open_session("no-such-wallet", token),
                   (400, 1005, "INVALID_WALLET_ID"))
    assert gpas.open_session(live.wallet_id, live.token).status_code == 200
