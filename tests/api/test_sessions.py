"""Opening, using and closing wallet sessions (docs/gpas-contract.md: "Sessions", "Late settlement",
"Launch tokens")."""

from __future__ import annotations

import base64
import hmac
import json
import re
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import PORTAL_KEY, START_MS, FakeClock
from tests.support.answers import error_of
from tests.support.store import all_keys, snapshot
from walletsvc.store import RedisClient

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def portal_jwt(wallet_id: str, jti: str = "jti-1", exp_ms: int = START_MS + 60_000,
               key: Any = PORTAL_KEY, algorithm: str = "HS256", **claims: Any) -> str:
    payload = {"walletId": wallet_id, "jti": jti, "exp": exp_ms // 1000, **claims}
    return jwt.encode(payload, key, algorithm=algorithm)


def hand_signed_jwt(payload: dict[str, Any], alg: str, key: bytes, digest: str) -> str:
    """Sign a JWT by hand, for tokens PyJWT rightly refuses to make (alg confusion, weak keys)."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = ".".join(part(json.dumps(p).encode()) for p in ({"alg": alg}, payload))
    mac = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{part(mac)}"


def test_open_session_answers_id_wallet_created_and_status(gpas: GpasClient, admin: AdminClient
                                                            ) -> None:
    wallet_id = admin.wallet("10")
    response = gpas.open_session(wallet_id, admin.token(wallet_id))
    assert response.status_code == 200
    body = response.json
    assert body is not None
    assert set(body) == {"id", "walletId", "created", "status"}
    assert UUID.fullmatch(body["id"])
    assert body["walletId"] == wallet_id
    assert body["created"] == "2026-09-21T14:13:20.000Z"
    assert body["status"] == "OPEN"


def test_launch_token_opens_one_session_only(gpas: GpasClient, admin: AdminClient,
                                             redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    assert gpas.open_session(wallet_id, token).status_code == 200
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1010, "INVALID_AUTH_TOKEN")
    assert snapshot(redis_client) == before


def test_token_for_another_wallet_is_refused_and_not_consumed(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    owner, other = admin.wallet("10"), admin.wallet("10")
    token = admin.token(owner)
    before = snapshot(redis_client)
    assert error_of(gpas.open_session(other, token)) == (400, 1005, "INVALID_WALLET_ID")
    assert snapshot(redis_client) == before
    assert gpas.open_session(owner, token).status_code == 200


@pytest.mark.parametrize("token", ["", "not a token", "x" * 101, "a.b.c"])
def test_malformed_or_unknown_token_is_refused(gpas: GpasClient, admin: AdminClient,
                                               token: str) -> None:
    wallet_id = admin.wallet("10")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = gpas.call("POST", "/sessions", f"walletId={wallet_id}", headers=headers)
    assert error_of(response) == (400, 1010, "INVALID_AUTH_TOKEN")


def test_unknown_wallet_is_refused(gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    token = portal_jwt("no-such-wallet")
    assert error_of(gpas.open_session("no-such-wallet", token)) == (400, 1005, "INVALID_WALLET_ID")
    assert gpas.open_session(wallet_id, admin.token(wallet_id)).status_code == 200


def test_blocked_wallet_cannot_open_a_session_and_keeps_its_token(
        gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1008, "USER_BLOCKED")
    admin.post(f"/wallets/{wallet_id}/unblock", {"reason": "test"})
    assert gpas.open_session(wallet_id, token).status_code == 200


def test_portal_jwt_opens_a_session_once(gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    token = portal_jwt(wallet_id)
    assert gpas.open_session(wallet_id, token).status_code == 200
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1010, "INVALID_AUTH_TOKEN")


def test_portal_jwt_for_another_wallet_is_refused(gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, other = admin.wallet("10"), admin.wallet("10")
    assert error_of(gpas.open_session(other, portal_jwt(wallet_id))) == (
        400, 1005, "INVALID_WALLET_ID")


@pytest.mark.parametrize("token_kind", ["expired", "wrong key", "no jti", "wrong algorithm"])
def test_bad_portal_jwt_is_refused(gpas: GpasClient, admin: AdminClient, token_kind: str) -> None:
    wallet_id = admin.wallet("10")
    token = {
        "expired": lambda: portal_jwt(wallet_id, exp_ms=START_MS - 10_000),
        "wrong key": lambda: portal_jwt(wallet_id, key="another-secret-of-at-least-32-bytes"),
        "no jti": lambda: jwt.encode({"walletId": wallet_id, "exp": START_MS // 1000 + 60},
                                     PORTAL_KEY, algorithm="HS256"),
        "wrong algorithm": lambda: hand_signed_jwt(
            {"walletId": wallet_id, "jti": "j", "exp": START_MS // 1000 + 60}, "HS512",
            PORTAL_KEY.encode(), "sha512"),
    }[token_kind]()
    assert error_of(gpas.open_session(wallet_id, token)) == (400, 1010, "INVALID_AUTH_TOKEN")


def test_rs256_portal_jwt_is_verified_with_the_public_key(
        make_app: Callable[..., Flask]) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    client = make_app(jwt_algorithm="RS256", jwt_key=public_pem).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id = admin.wallet("10")
    good = portal_jwt(wallet_id, key=private, algorithm="RS256")
    forged = hand_signed_jwt({"walletId": wallet_id, "jti": "jti-2",
                              "exp": START_MS // 1000 + 60}, "HS256", public_pem.encode(), "sha256")
    assert gpas.open_session(wallet_id, good).status_code == 200
    assert error_of(gpas.open_session(wallet_id, forged)) == (400, 1010, "INVALID_AUTH_TOKEN")


@pytest.mark.parametrize("path", ["/wallets/balance", "/wallets/my/balance"])
def test_balance_shows_total_real_and_bonus(gpas: GpasClient, admin: AdminClient,
                                            path: str) -> None:
    _, session_id = open_session(gpas, admin, real="90", bonus="1.5")
    response = gpas.balance(session_id, path)
    assert response.status_code == 200
    assert decimal_json(response) == {
        "code": "CASINO", "leftBalance": 91.5, "subWalletsSummary": [
            {"code": "REAL", "leftBalance": 90, "subWalletsSummary": None},
            {"code": "BONUS", "leftBalance": 1.5, "subWalletsSummary": None}]}


def test_top_level_wallet_code_is_configurable(make_app: Callable[..., Flask]) -> None:
    client = make_app(wallet_code="LOTTERY").test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, session_id = open_session(gpas, admin)
    assert json_of(gpas.balance(session_id))["code"] == "LOTTERY"


def test_close_answers_empty_and_ends_the_session(gpas: GpasClient, admin: AdminClient,
                                                  redis_client: RedisClient) -> None:
    _, session_id = open_session(gpas, admin)
    live = [k for k in all_keys(redis_client, "sl:*") if session_id in k]
    assert len(live) == 1
    response = gpas.close(session_id)
    assert response.status_code == 200
    assert response.get_data() == b""
    assert not redis_client.exists(live[0])
    before = snapshot(redis_client)
    for refused in (gpas.close(session_id), gpas.balance(session_id),
                    gpas.debit(session_id, "1"), gpas.credit(session_id, "1")):
        assert error_of(refused) == (400, 1004, "INVALID_WALLET_SESSION")
    assert snapshot(redis_client) == before


def test_session_record_stays_readable_after_close(gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin)
    gpas.debit(session_id, "5")
    gpas.close(session_id)
    story = admin.get(f"/sessions/{session_id}").json
    assert story is not None
    assert story["status"] == "CLOSE"
    assert [e["event"] for e in story["entries"]] == ["opened", "debit", "closed"]


def test_idle_session_expires_and_activity_keeps_it_alive(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    _, session_id = open_session(gpas, admin)
    clock.advance(29 * 60)
    assert gpas.balance(session_id).status_code == 200
    clock.advance(29 * 60)
    assert gpas.debit(session_id, "1").status_code == 200
    clock.advance(30 * 60)
    assert error_of(gpas.balance(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")
    assert error_of(gpas.close(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")
    assert json_of(admin.get(f"/sessions/{session_id}"))["status"] == "EXPIRED"


def test_session_ends_at_the_absolute_limit_despite_activity(
        make_app: Callable[..., Flask], clock: FakeClock) -> None:
    client = make_app(session_idle_seconds=600, session_max_seconds=1800).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, session_id = open_session(gpas, admin)
    for _ in range(5):
        clock.advance(5 * 60)
        assert gpas.balance(session_id).status_code == 200
    clock.advance(5 * 60)
    assert error_of(gpas.balance(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")


def test_live_session_key_expires_by_redis_ttl(make_app: Callable[..., Flask],
                                               redis_client: RedisClient) -> None:
    client = make_app(session_idle_seconds=1).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, session_id = open_session(gpas, admin)
    live = [k for k in all_keys(redis_client, "sl:*") if session_id in k]
    assert len(live) == 1
    assert 0 < redis_client.pttl(live[0]) <= 1000
    time.sleep(1.2)
    assert not redis_client.exists(live[0])
    assert error_of(gpas.balance(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")


def test_session_of_another_parent_system_is_unknown(gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin)
    other = GpasClient(gpas.client, parent_id="OTHER1", secret="other-secret")
    assert error_of(other.balance(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")
    assert error_of(other.debit(session_id, "1")) == (400, 1004, "INVALID_WALLET_SESSION")
    assert error_of(other.close(session_id)) == (400, 1004, "INVALID_WALLET_SESSION")
    assert gpas.balance(session_id).status_code == 200


@pytest.mark.parametrize("session_id", ["3fa85f64-5717-4562-b3fc-2c963f66afa6", "nonsense"])
def test_unknown_session_is_refused_everywhere(gpas: GpasClient, session_id: str) -> None:
    for response in (gpas.balance(session_id), gpas.debit(session_id, "1"),
                     gpas.credit(session_id, "1"), gpas.rollback(session_id, "x"),
                     gpas.close(session_id)):
        assert error_of(response) == (400, 1004, "INVALID_WALLET_SESSION")


def test_session_story_links_rollbacks_and_shows_expiry(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> None:
    wallet_id, first = open_session(gpas, admin)
    gpas.debit(first, "5", reference="bet-1")
    gpas.debit(first, "6", reference="bet-2")
    gpas.rollback(first, "bet-1", reference="rb-1")
    second = json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"]
    gpas.rollback(second, "bet-2", reference="rb-2")
    clock.advance(31 * 60)
    story = admin.get(f"/sessions/{first}").json
    assert story is not None
    assert story["status"] == "EXPIRED"
    assert [(e["event"], e["data"].get("ref"), e["data"].get("rolledBackBy"),
             e["data"].get("reverses")) for e in story["entries"]] == [
        ("opened", None, None, None), ("debit", "bet-1", "rb-1", None),
        ("debit", "bet-2", "rb-2", None), ("rollback", "rb-1", None, "bet-1"),
        ("expired", None, None, None)]
    assert story["entries"][-1]["time"] == "2026-09-21T14:43:20.000Z"
