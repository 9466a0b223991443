"""Every refusal answers in the GPAS error shape, with its status, and changes nothing (SPEC A3)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt
import pytest
import redis
from flask import Flask
from werkzeug.test import TestResponse

from tests.helpers import (
    PARENT_ID,
    SECRET,
    START_MS,
    AdminClient,
    FakeClock,
    GpasClient,
    body_bytes,
    error_of,
    open_session,
    snapshot,
)
from walletsvc.services import EXTENSION, Services
from walletsvc.signing import sign
from walletsvc.store import RedisClient, keys

PORTAL_KEY = "portal-jwt-secret-of-at-least-32-bytes!"
OTHER_PARENT, OTHER_SECRET = "OTHER1", "other-secret"
UNKNOWN_SESSION = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
MISSING = object()

# SPEC A3: the fixed message of each (HTTP status, code); ours may add ": <detail>".
MESSAGES = {
    (500, 1001): "System error",
    (400, 1001): "Invalid system identifier",
    (400, 1002): "Invalid transaction id",
    (400, 1003): "Duplicate transaction id",
    (400, 1004): "Invalid wallet session",
    (400, 1005): "Invalid wallet id",
    (400, 1006): "Signature failed",
    (400, 1007): "Insufficient funds",
    (400, 1008): "User blocked",
    (400, 1009): "Invalid game id",
}
SYSTEM_ERROR = (400, 1001, "SYSTEM_ERROR")
SIGNATURE_FAILED = (400, 1006, "SIGNATURE_FAILED")
INVALID_SESSION = (400, 1004, "INVALID_WALLET_SESSION")
INVALID_REQUEST = (400, 1010, "INVALID_REQUEST")
INVALID_AMOUNT = (400, 1010, "INVALID_AMOUNT")
INVALID_AUTH_TOKEN = (400, 1010, "INVALID_AUTH_TOKEN")


# What is sent ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One GPAS request before it is signed."""

    method: str
    path: str
    query: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def signed_input(self) -> bytes:
        """Return what SPEC A1 signs: the raw body if there is one, else the raw query."""
        return self.body or self.query.encode()


def good(call: Call) -> str:
    """Return the signature GPAS would send."""
    return sign(call.signed_input(), SECRET)


def send(gpas: GpasClient, call: Call, parent: str | None = PARENT_ID,
         signature: Callable[[Call], str | None] = good,
         content_type: str = "application/json") -> TestResponse:
    """Send ``call`` with exactly the given parent system and signature headers."""
    headers = {"Content-Type": content_type, **dict(call.headers)}
    if parent is not None:
        headers["x-parent-system-id"] = parent
    sent_signature = signature(call)
    if sent_signature is not None:
        headers["x-signature"] = sent_signature
    return gpas.client.open(f"{call.path}?{call.query}", method=call.method, data=call.body,
                            headers=headers)


def movement(kind: str = "debit", value: Any = '"10"', **changes: Any) -> bytes:
    """Return a compact debit or credit body; ``value`` is raw JSON text, MISSING drops a field."""
    body = {
        "externalReference": f"{kind}-1",
        "value": "@value@" if value is not MISSING else MISSING,
        "description": f"{kind} made by gpas",
        "typeCode": f"GAME_{kind.upper()}",
        "tags": {"gpasSessionId": "gpas-1", "gameid": "agt-13"},
        **changes,
    }
    compact = body_bytes({name: v for name, v in body.items() if v is not MISSING})
    return compact if value is MISSING else compact.replace(b'"@value@"', value.encode())


def rollback_body(**changes: Any) -> bytes:
    """Return a compact rollback body; MISSING drops a field."""
    body = {"externalReference": "rb-1", "description": "rollback made by gpas",
            "tags": {"gameid": "agt-13"}, **changes}
    return body_bytes({name: v for name, v in body.items() if v is not MISSING})


@dataclass(frozen=True)
class Live:
    """A BRL wallet with 90 REAL, an open session that bet ``bet-1`` (10), and tokens."""

    wallet_id: str
    session_id: str
    token: str
    used_token: str
    closed_session_id: str = ""


@pytest.fixture
def live(gpas: GpasClient, admin: AdminClient) -> Live:
    """A wallet in play, with an unused launch token for it."""
    wallet_id = admin.wallet("100")
    used_token = admin.token(wallet_id)
    opened = gpas.open_session(wallet_id, used_token)
    assert opened.status_code == 200
    session_id = str(opened.json["id"])  # type: ignore[index]
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    return Live(wallet_id, session_id, admin.token(wallet_id), used_token)


ENDPOINTS = ["sessions", "balance", "my-balance", "debit", "credit", "rollback", "close"]
SESSION_ENDPOINTS = ENDPOINTS[1:]
BODY_ENDPOINTS = ["debit", "credit", "rollback"]


def endpoint_call(name: str, live: Live, session_id: str | None = None) -> Call:
    """Return the well-formed call to endpoint ``name`` (on ``session_id``, default live's)."""
    session = session_id or live.session_id
    query = f"walletSessionId={session}"
    return {
        "sessions": Call("POST", "/sessions", f"walletId={live.wallet_id}",
                         headers=(("Authorization", f"Bearer {live.token}"),)),
        "balance": Call("GET", "/wallets/balance", query),
        "my-balance": Call("GET", "/wallets/my/balance", query),
        "debit": Call("POST", "/movements/debit", query, movement("debit")),
        "credit": Call("POST", "/movements/credit", query, movement("credit")),
        "rollback": Call("PATCH", "/movements/rollback", f"{query}&externalMovementId=bet-1",
                         rollback_body()),
        "close": Call("PATCH", "/sessions/close", f"id={session}"),
    }[name]


# What comes back ---------------------------------------------------------------------------

def assert_error_shape(response: TestResponse, expected: tuple[int, int, str]) -> dict[str, Any]:
    """Check a GPAS error body: JSON, the three fields (details optional), SPEC A3 message."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)
    assert error_of(response) == expected, response.get_data(as_text=True)
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert set(body) <= {"code", "type", "message", "details"}
    assert isinstance(body["message"], str)
    assert body["message"]
    status, code, _ = expected
    if (status, code) in MESSAGES:
        assert body["message"].split(":")[0] == MESSAGES[(status, code)]
    return body


def assert_refused(redis_client: RedisClient, request: Callable[[], TestResponse],
                   expected: tuple[int, int, str]) -> TestResponse:
    """Send a request that must be refused with ``expected`` and leave the store untouched."""
    before = snapshot(redis_client)
    response = request()
    assert_error_shape(response, expected)
    assert snapshot(redis_client) == before
    return response


# The well-formed calls succeed, so each refusal below is caused by its one fault -----------

@pytest.mark.parametrize("name", ENDPOINTS)
def test_well_formed_call_to_each_endpoint_succeeds(gpas: GpasClient, live: Live,
                                                    name: str) -> None:
    response = send(gpas, endpoint_call(name, live))
    assert response.status_code == 200, response.get_data(as_text=True)


# 1001: parent system -----------------------------------------------------------------------

@pytest.mark.parametrize("parent", [None, "", "UNKNOWN", PARENT_ID.lower()])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_call_from_unknown_or_missing_parent_system_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        parent: str | None) -> None:
    assert_refused(redis_client, lambda: send(gpas, endpoint_call(name, live), parent=parent),
                   SYSTEM_ERROR)


# 1006: signature ---------------------------------------------------------------------------

def _secret_first(call: Call) -> str:
    return hashlib.sha1(SECRET.encode() + call.signed_input()).hexdigest().upper()  # noqa: S324


def _hmac_sha1(call: Call) -> str:
    return hmac.new(SECRET.encode(), call.signed_input(), "sha1").hexdigest().upper()


SIGNATURE_FAULTS: dict[str, Callable[[Call], str | None]] = {
    "missing": lambda call: None,
    "empty": lambda call: "",
    "lower-case": lambda call: good(call).lower(),
    "truncated": lambda call: good(call)[:-1],
    "one-char-longer": lambda call: good(call) + "0",
    "other-parent-systems-secret": lambda call: sign(call.signed_input(), OTHER_SECRET),
    "over-other-bytes": lambda call: sign(call.signed_input() + b" ", SECRET),
    "secret-prepended": _secret_first,
    "hmac-instead-of-plain-sha1": _hmac_sha1,
    "over-query-instead-of-body": lambda call: sign(call.query.encode(), SECRET),
}


@pytest.mark.parametrize(("name", "fault"), [
    (name, fault) for name in ENDPOINTS for fault in SIGNATURE_FAULTS
    # A call without a body is rightly signed over its query.
    if name in BODY_ENDPOINTS or fault != "over-query-instead-of-body"
])
def test_call_with_bad_or_missing_signature_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str, fault: str) -> None:
    call = endpoint_call(name, live)
    assert_refused(redis_client, lambda: send(gpas, call, signature=SIGNATURE_FAULTS[fault]),
                   SIGNATURE_FAILED)


def test_debit_with_lower_case_signature_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    # SPEC A4 vector D1: the upper-case signature is accepted, its lower-case twin is not.
    _, session_id = open_session(gpas, admin, real="100")
    d1 = (b'{"externalReference":"agt-b7219c1d2d5e1bd40a508ef19a672d06","value":"100",'
          b'"description":"Debit game move for customer id 6df5sd made by gpas",'
          b'"typeCode":"GAME_DEBIT","tags":{"gpasSessionId":'
          b'"gpas-bfd9516b-c51f-4bd5-ab83-8899100dc636","gameid":"agt-13"}}')
    call = Call("POST", "/movements/debit", f"walletSessionId={session_id}", d1)
    upper = "963510BBB54BFB7916BF7D5937539A8AB5E3A633"
    assert_refused(redis_client, lambda: send(gpas, call, signature=lambda _: upper.lower()),
                   SIGNATURE_FAILED)
    assert send(gpas, call, signature=lambda _: upper).status_code == 200


def _spaced(body: bytes) -> bytes:
    return json.dumps(json.loads(body)).encode()


def _sorted_keys(body: bytes) -> bytes:
    return json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).encode()


def _pretty(body: bytes) -> bytes:
    return json.dumps(json.loads(body), indent=2).encode()


def _compact(body: bytes) -> bytes:
    return json.dumps(json.loads(body), separators=(",", ":")).encode()


@pytest.mark.parametrize(("sent", "signed", "accepted"), [
    (_compact, _spaced, False),
    (_spaced, _compact, False),
    (_compact, _sorted_keys, False),
    (_pretty, _compact, False),
    (_spaced, _spaced, True),
    (_pretty, _pretty, True),
])
@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_body_signature_is_over_the_raw_bytes_as_sent_never_a_reserialisation(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        sent: Callable[[bytes], bytes], signed: Callable[[bytes], bytes],
        accepted: bool) -> None:
    call = endpoint_call(name, live)
    call = replace(call, body=sent(call.body))

    def request() -> TestResponse:
        return send(gpas, call, signature=lambda c: sign(signed(c.body), SECRET))

    if accepted:
        assert request().status_code == 200
    else:
        assert_refused(redis_client, request, SIGNATURE_FAILED)


@pytest.mark.parametrize(("signed", "accepted"), [
    (lambda raw, decoded: raw, True),
    (lambda raw, decoded: decoded, False),
    (lambda raw, decoded: "?" + raw, False),
])
@pytest.mark.parametrize("name", ["balance", "close"])
def test_query_signature_is_over_the_raw_query_as_sent(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        signed: Callable[[str, str], str], accepted: bool) -> None:
    # The session id is sent percent-encoded; the server must sign what it received.
    decoded = endpoint_call(name, live).query
    raw = decoded.replace("-", "%2D")
    call = replace(endpoint_call(name, live), query=raw)

    def request() -> TestResponse:
        return send(gpas, call, signature=lambda _: sign(signed(raw, decoded).encode(), SECRET))

    if accepted:
        assert request().status_code == 200
    else:
        assert_refused(redis_client, request, SIGNATURE_FAILED)


def test_open_session_with_bad_signature_keeps_the_launch_token(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    call = endpoint_call("sessions", live)
    assert_refused(redis_client, lambda: send(gpas, call, signature=lambda c: good(c).lower()),
                   SIGNATURE_FAILED)
    assert send(gpas, call).status_code == 200


# 1004: session -----------------------------------------------------------------------------

def session_in(state: str, gpas: GpasClient, admin: AdminClient, clock: FakeClock) -> Live:
    """Return a wallet whose session id names an unknown, closed, expired or foreign session."""
    wallet_id = admin.wallet("100")
    token = admin.token(wallet_id)
    if state == "unknown":
        return Live(wallet_id, UNKNOWN_SESSION, token, token)
    opener = GpasClient(gpas.client, OTHER_PARENT, OTHER_SECRET) if state == "foreign" else gpas
    session_id = str(opener.open_session(wallet_id, admin.token(wallet_id)).json["id"])  # type: ignore[index]
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


# SPEC A3: the session is checked before every business rule, whatever the request holds.
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


# 1007: funds -------------------------------------------------------------------------------

def test_debit_above_real_plus_bonus_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="5", bonus="2")
    assert_refused(redis_client, lambda: gpas.debit(session_id, "7.01", reference="bet-1"),
                   (400, 1007, "INSUFFICIENT_FUNDS"))
    assert gpas.debit(session_id, "7", reference="bet-1").status_code == 200
    balance = admin.balance(wallet_id)
    assert (balance["real"], balance["bonus"]) == (0, 0)


# 1010 INVALID_REQUEST: the request's shape ------------------------------------------------

def with_body(name: str, body: bytes) -> Callable[[Live], Call]:
    return lambda live: replace(endpoint_call(name, live), body=body)


def with_query(name: str, query: str) -> Callable[[Live], Call]:
    """Replace the query; ``{s}`` and ``{w}`` stand for the session and wallet ids."""
    return lambda live: replace(endpoint_call(name, live),
                                query=query.format(s=live.session_id, w=live.wallet_id))


DEBIT = b'{"externalReference":"dup-1","value":"10","description":"d","typeCode":"GAME_DEBIT",'
SHAPE_FAULTS = [
    *(pytest.param(with_body("debit", movement(**{field: MISSING})), id=f"debit-without-{field}")
      for field in ["externalReference", "value", "description", "typeCode", "tags"]),
    pytest.param(with_body("credit", movement("credit", typeCode=MISSING)),
                 id="credit-without-typeCode"),
    *(pytest.param(with_body("rollback", rollback_body(**{field: MISSING})),
                   id=f"rollback-without-{field}")
      for field in ["externalReference", "description", "tags"]),
    pytest.param(with_body("debit", movement(extra="1")), id="debit-unknown-field"),
    pytest.param(with_body("debit", movement(walletSessionId="x")), id="debit-session-in-body"),
    pytest.param(with_body("rollback", rollback_body(value="10")), id="rollback-with-value"),
    pytest.param(with_body("debit", movement(typeCode="GAME_CREDIT")), id="debit-credit-type"),
    pytest.param(with_body("debit", movement(typeCode="game_debit")), id="debit-lower-type"),
    pytest.param(with_body("credit", movement("credit", typeCode="GAME_DEBIT")),
                 id="credit-debit-type"),
    pytest.param(with_body("debit", movement(tags="gameid=agt-13")), id="tags-a-string"),
    pytest.param(with_body("debit", movement(tags=["agt-13"])), id="tags-a-list"),
    pytest.param(with_body("debit", movement(tags=None)), id="tags-null"),
    pytest.param(with_body("rollback", rollback_body(tags=1)), id="rollback-tags-a-number"),
    pytest.param(with_body("debit", movement(externalReference="")), id="reference-empty"),
    pytest.param(with_body("debit", movement(externalReference="r" * 201)), id="reference-long"),
    pytest.param(with_body("debit", movement(externalReference="a\nb")), id="reference-control"),
    pytest.param(with_body("debit", movement(externalReference=7)), id="reference-a-number"),
    pytest.param(with_body("credit", movement("credit", description=5)), id="description-number"),
    pytest.param(with_body("debit", b"not json"), id="body-not-json"),
    pytest.param(with_body("debit", b""), id="body-empty"),
    pytest.param(with_body("debit", DEBIT), id="body-truncated"),
    pytest.param(with_body("credit", b"\xff\xfe{}"), id="body-not-utf8"),
    pytest.param(with_body("debit", b"[" + movement() + b"]"), id="body-a-json-array"),
    pytest.param(with_body("rollback", b"[]"), id="rollback-body-a-json-array"),
    pytest.param(with_body("debit", b'"text"'), id="body-a-json-string"),
    pytest.param(with_body("debit", b"null"), id="body-json-null"),
    pytest.param(with_body("debit", DEBIT + b'"value":"1000","tags":{}}'),
                 id="duplicate-key-value"),
    pytest.param(with_body("debit", DEBIT + b'"externalReference":"dup-2","tags":{}}'),
                 id="duplicate-key-reference"),
    pytest.param(with_body("debit", DEBIT + b'"tags":{"gameid":"a-1","gameid":"b-2"}}'),
                 id="duplicate-key-in-tags"),
    pytest.param(with_query("debit", "walletSessionId={s}&walletSessionId={s}"),
                 id="debit-session-repeated"),
    pytest.param(with_query("balance", "walletSessionId={s}&walletSessionId={s}"),
                 id="balance-session-repeated"),
    pytest.param(with_query("close", "id={s}&id={s}"), id="close-id-repeated"),
    pytest.param(with_query("rollback", "walletSessionId={s}&externalMovementId=bet-1"
                                        "&externalMovementId=bet-1"),
                 id="rollback-reference-repeated"),
    pytest.param(with_query("sessions", "walletId={w}&walletId={w}"), id="wallet-repeated"),
    pytest.param(with_query("debit", ""), id="debit-without-query"),
    pytest.param(with_query("credit", "walletsessionid={s}"), id="credit-parameter-case"),
    pytest.param(with_query("balance", ""), id="balance-without-query"),
    pytest.param(with_query("my-balance", "walletSessionId="), id="balance-session-empty"),
    pytest.param(with_query("balance", "walletSessionId={s}&foo=1"), id="balance-unknown-param"),
    pytest.param(with_query("close", "walletSessionId={s}"), id="close-without-id"),
    pytest.param(with_query("rollback", "walletSessionId={s}"), id="rollback-without-reference"),
    pytest.param(with_query("sessions", ""), id="sessions-without-wallet"),
]


@pytest.mark.parametrize("faulty", SHAPE_FAULTS)
def test_call_of_the_wrong_shape_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient,
        faulty: Callable[[Live], Call]) -> None:
    assert_refused(redis_client, lambda: send(gpas, faulty(live)), INVALID_REQUEST)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
@pytest.mark.parametrize("name", BODY_ENDPOINTS)
def test_body_that_is_not_declared_json_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        content_type: str) -> None:
    call = endpoint_call(name, live)
    assert_refused(redis_client, lambda: send(gpas, call, content_type=content_type),
                   INVALID_REQUEST)


# 1010 INVALID_AMOUNT ------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    '"-1"', "-1", '"-0.01"', "-0.01",
    '"NaN"', '"nan"', '"sNaN"', '"Infinity"', '"-Infinity"', '"inf"',
    '"1e999999"', "1e999999", '"1e9999999"', '"1e20"', '"1e-999999"',
    '"1.001"', "1.001", '"0.001"',
    '"0"', "0", '"0.00"', "0.0",
    '"abc"', '""', '" 1"', '"1,00"', '"0x10"', '"1_000"', '"+1"',
    "true", '{"amount":"1"}', '["1"]',
])
def test_debit_with_invalid_amount_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, value: str) -> None:
    call = replace(endpoint_call("debit", live), body=movement("debit", value))
    assert_refused(redis_client, lambda: send(gpas, call), INVALID_AMOUNT)


@pytest.mark.parametrize("value", ['"-1"', "-5", '"NaN"', '"Infinity"', "1e999999", '"1.001"'])
def test_credit_with_invalid_amount_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, value: str) -> None:
    call = replace(endpoint_call("credit", live), body=movement("credit", value))
    assert_refused(redis_client, lambda: send(gpas, call), INVALID_AMOUNT)


# 1010 INVALID_AUTH_TOKEN --------------------------------------------------------------------

AUTH_FAULTS: dict[str, Callable[[Live], str | None]] = {
    "no-header": lambda live: None,
    "bearer-without-token": lambda live: "Bearer",
    "bearer-blank": lambda live: "Bearer    ",
    "garbage": lambda live: "Bearer not a token!",
    "too-long": lambda live: "Bearer " + "x" * 101,
    "jwt-shaped-garbage": lambda live: "Bearer a.b.c",
    "unknown-token": lambda live: "Bearer " + keys.wallet_shard(live.wallet_id) + "x" * 40,
    "used-token": lambda live: f"Bearer {live.used_token}",
    "other-scheme": lambda live: f"Basic {live.token}",
    "token-without-scheme": lambda live: live.token,
}


@pytest.mark.parametrize("fault", AUTH_FAULTS)
def test_open_session_with_missing_or_garbage_token_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, fault: str) -> None:
    authorization = AUTH_FAULTS[fault](live)
    headers = () if authorization is None else (("Authorization", authorization),)
    call = replace(endpoint_call("sessions", live), headers=headers)
    assert_refused(redis_client, lambda: send(gpas, call), INVALID_AUTH_TOKEN)
    assert send(gpas, endpoint_call("sessions", live)).status_code == 200


# 1002, 1003, 1008, 1009 basics ---------------------------------------------------------------

def test_rollback_of_another_wallets_movement_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, live: Live, redis_client: RedisClient) -> None:
    _, mine = open_session(gpas, admin)
    assert_refused(redis_client, lambda: gpas.rollback(mine, "bet-1"),
                   (400, 1002, "INVALID_TX_ID"))


def test_rollback_of_unknown_reference_changes_only_its_tombstone(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    # SPEC B6: the one deliberate write on a refusal is the tombstone, its audit entry and
    # its outbox entry (the ledger keeps tombstones too).
    before = snapshot(redis_client)
    assert_error_shape(gpas.rollback(live.session_id, "late-bet"), (400, 1002, "INVALID_TX_ID"))
    after = snapshot(redis_client)
    stream = keys.session_stream(live.session_id)
    outbox = keys.outbox(keys.session_shard(live.session_id))
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert before.keys() <= after.keys()
    assert {key for key in changed if "late-bet" not in key} == {stream, outbox}
    for key in (stream, outbox):
        assert after[key][1][:-1] == before[key][1]
        assert after[key][1][-1][1]["event"] == "tombstone"
        assert after[key][1][-1][1]["ref"] == "late-bet"


@pytest.mark.parametrize("repeat", [
    lambda gpas, session_id: gpas.debit(session_id, "1", reference="bet-1"),
    lambda gpas, session_id: gpas.credit(session_id, "1", reference="bet-1"),
    lambda gpas, session_id: gpas.rollback(session_id, "bet-1", reference="bet-1"),
], ids=["debit", "credit", "rollback"])
def test_movement_under_a_known_reference_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient,
        repeat: Callable[[GpasClient, str], TestResponse]) -> None:
    assert_refused(redis_client, lambda: repeat(gpas, live.session_id),
                   (400, 1003, "DUPLICATE_TX_ID"))


def test_debit_by_blocked_player_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, live: Live, redis_client: RedisClient) -> None:
    assert admin.post(f"/wallets/{live.wallet_id}/block").status_code == 200
    assert_refused(redis_client, lambda: gpas.debit(live.session_id, "1"),
                   (400, 1008, "USER_BLOCKED"))


def test_debit_on_unknown_game_is_refused_and_changes_nothing(
        make_app: Callable[..., Flask], redis_client: RedisClient, catalogue_path: Path) -> None:
    client = make_app(games_catalogue=catalogue_path).test_client()
    gpas = GpasClient(client)
    _, session_id = open_session(gpas, AdminClient(client))
    unknown_game = {"gpasSessionId": "gpas-1", "gameid": "agt-999"}
    assert_refused(redis_client, lambda: gpas.debit(session_id, "1", tags=unknown_game),
                   (400, 1009, "INVALID_GAME_ID"))


# Routing and transport: the GPAS shape, never HTML -----------------------------------------

def assert_not_html(response: TestResponse) -> None:
    text = response.get_data(as_text=True)
    assert "<" not in text
    assert "html" not in text.lower()


@pytest.mark.parametrize("path", ["/", "/nope", "/movements/bet", "/movements/debit/x",
                                  "/sessions/open", "/wallets/balance/extra", "/wallet/balance"])
@pytest.mark.parametrize("signed", [True, False])
def test_unknown_path_answers_404_in_the_gpas_shape(
        gpas: GpasClient, live: Live, redis_client: RedisClient, path: str, signed: bool) -> None:
    call = Call("GET", path, f"walletSessionId={live.session_id}")
    parent = PARENT_ID if signed else None
    signature = good if signed else SIGNATURE_FAULTS["missing"]
    response = assert_refused(
        redis_client, lambda: send(gpas, call, parent=parent, signature=signature),
        (404, 1010, "NOT_FOUND"))
    assert_not_html(response)


@pytest.mark.parametrize(("method", "name"), [
    ("GET", "debit"), ("PUT", "credit"), ("POST", "rollback"), ("DELETE", "debit"),
    ("POST", "balance"), ("PATCH", "my-balance"), ("GET", "close"), ("POST", "close"),
    ("GET", "sessions"), ("PATCH", "sessions"),
])
def test_wrong_method_on_a_gpas_path_answers_405_in_the_gpas_shape(
        gpas: GpasClient, live: Live, redis_client: RedisClient, method: str, name: str) -> None:
    call = replace(endpoint_call(name, live), method=method)
    response = assert_refused(redis_client, lambda: send(gpas, call),
                              (405, 1010, "METHOD_NOT_ALLOWED"))
    assert endpoint_call(name, live).method in response.headers["Allow"].split(", ")
    assert_not_html(response)


def padded_debit(size: int) -> bytes:
    """Return a valid debit body of exactly ``size`` bytes (the padding is in an opaque tag)."""
    bare = movement(tags={"pad": ""})
    assert size >= len(bare)
    return movement(tags={"pad": "x" * (size - len(bare))})


@pytest.mark.parametrize("limit", [None, 1024])
def test_body_over_the_configured_limit_answers_413_in_the_gpas_shape(
        make_app: Callable[..., Flask], redis_client: RedisClient, limit: int | None) -> None:
    app = make_app() if limit is None else make_app(max_body_bytes=limit)
    assert app.config["MAX_CONTENT_LENGTH"] == (limit or 16 * 1024)
    gpas = GpasClient(app.test_client())
    _, session_id = open_session(gpas, AdminClient(gpas.client))
    call = Call("POST", "/movements/debit", f"walletSessionId={session_id}",
                padded_debit(app.config["MAX_CONTENT_LENGTH"] + 1))
    response = assert_refused(redis_client, lambda: send(gpas, call),
                              (413, 1010, "PAYLOAD_TOO_LARGE"))
    assert_not_html(response)
    at_limit = replace(call, body=padded_debit(app.config["MAX_CONTENT_LENGTH"]))
    assert send(gpas, at_limit).status_code == 200


STORE_METHODS = {
    "sessions": "open_session", "balance": "balance", "my-balance": "balance",
    "debit": "apply", "credit": "apply", "rollback": "apply",
    "close": "close_session",
}


@pytest.mark.parametrize("failure", [RuntimeError("boom at wallet_store.py line 1"),
                                     redis.exceptions.ConnectionError("store down")],
                         ids=["bug", "store-down"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_unexpected_failure_answers_500_system_error_without_a_stack_trace(
        app: Flask, gpas: GpasClient, live: Live, redis_client: RedisClient,
        monkeypatch: pytest.MonkeyPatch, name: str, failure: Exception) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise failure

    services: Services = app.extensions[EXTENSION]
    monkeypatch.setattr(services.store, STORE_METHODS[name], fail)
    response = assert_refused(redis_client, lambda: send(gpas, endpoint_call(name, live)),
                              (500, 1001, "SYSTEM_ERROR"))
    assert response.json == {"code": 1001, "type": "SYSTEM_ERROR", "message": "System error"}
    text = response.get_data(as_text=True)
    for leak in ("Traceback", "boom", "store down", ".py", type(failure).__name__):
        assert leak not in text
    assert_not_html(response)


# Check order (SPEC A3): parent system, signature, request shape, session, business rules ---

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
    session_id = str(gpas.open_session(live.wallet_id, admin.token(live.wallet_id)).json["id"])  # type: ignore[index]
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
