"""An unknown parent system (1001) or a wrong signature (1006) is refused, changing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import PARENT_ID, SECRET
from tests.support.answers import SIGNATURE_FAILED, SYSTEM_ERROR, assert_refused
from tests.support.calls import (
    BODY_ENDPOINTS,
    ENDPOINTS,
    SIGNATURE_FAULTS,
    Call,
    Live,
    endpoint_call,
    good,
    send,
)
from walletsvc.signing import sign
from walletsvc.store import RedisClient

# The well-formed calls succeed: each refusal in test_errors_*.py is caused by its fault ---

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
    # The guide's test vector D1 (docs/gpas-contract.md, "Signing"): the upper-case signature is
    # accepted, its lower-case twin is not.
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
