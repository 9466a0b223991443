"""A call of the wrong shape, amount or launch token (1010) is refused and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from devkit.gpas import GpasClient
from tests.support.answers import (
    INVALID_AMOUNT,
    INVALID_AUTH_TOKEN,
    INVALID_REQUEST,
    assert_refused,
)
from tests.support.calls import (
    BODY_ENDPOINTS,
    MISSING,
    Call,
    Live,
    endpoint_call,
    movement,
    rollback_body,
    send,
    with_body,
    with_query,
)
from walletsvc.store import RedisClient, keys

# 1010 INVALID_REQUEST: the request's shape ------------------------------------------------

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


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
    "application/xml", "text/json", "application/jsonp"])
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
