"""Hostile input beyond the error table: each gets a GPAS error and changes nothing stored.

tests/api/test_errors_*.py have the first cases (bodies that are not JSON or not objects,
duplicate keys, wrong content types, huge bodies, lower-case and re-serialised signatures,
repeated parameters); these are the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.responses import decimal_json, json_of
from devkit.settings import SECRET
from tests.support.answers import INVALID_REQUEST, assert_error_shape, assert_refused
from tests.support.calls import Call, Live, endpoint_call, movement, rollback_body, send
from tests.support.store import snapshot
from walletsvc.api.json_body import MAX_DEPTH
from walletsvc.signing import sign
from walletsvc.store import RedisClient

ADMIN = {"Authorization": f"Bearer {PLATFORM_TOKEN}", "Content-Type": "application/json"}
RECONCILIATION = {"Authorization": "Bearer reconciliation-key"}


def sign_as_gpas(signed: bytes) -> str:
    """Return the signature GPAS would send over ``signed``."""
    return sign(signed, SECRET)


def nested(depth: int, leaf: str = '"x"') -> str:
    """Return JSON text of ``depth`` objects nested in each other (depth 1 is ``{"a": leaf}``)."""
    return '{"a":' * depth + leaf + "}" * depth


def debit_with_tags(tags_json: str, reference: str = "deep-1") -> bytes:
    """Return a debit body whose tags are the raw JSON text ``tags_json``."""
    return movement(externalReference=reference, tags={"@": 0}).replace(
        b'{"@":0}', tags_json.encode())


# Deep nesting ------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    pytest.param(debit_with_tags(nested(MAX_DEPTH)), id="tags-one-level-too-deep"),
    pytest.param(debit_with_tags(nested(900)), id="tags-900-deep"),
    pytest.param(debit_with_tags('{"a":' + "[" * 5000 + "]" * 5000 + "}"), id="arrays-5000-deep"),
    pytest.param(b"[" * 8000 + b"]" * 8000, id="body-8000-arrays-deep"),
    pytest.param(b'{"a":' * 2000 + b"1" + b"}" * 2000, id="body-2000-objects-deep"),
])
def test_deeply_nested_body_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, body: bytes) -> None:
    call = replace(endpoint_call("debit", live), body=body)
    response = assert_refused(redis_client, lambda: send(gpas, call), INVALID_REQUEST)
    assert "nested more than 32 levels" in json_of(response)["message"]


def test_body_nested_to_the_limit_is_accepted(gpas: GpasClient, live: Live) -> None:
    # The body is level 1 and tags level 2, so tags may hold MAX_DEPTH - 2 more levels.
    call = replace(endpoint_call("debit", live), body=debit_with_tags(nested(MAX_DEPTH - 1)))
    assert send(gpas, call).status_code == 200


# Text that UTF-8 cannot hold ----------------------------------------------------------------

LONE_SURROGATES = [
    pytest.param("debit", movement(externalReference="\ud800"), id="reference"),
    pytest.param("debit", movement(description="half \udfff"), id="description"),
    pytest.param("credit", movement("credit", tags={"gameid": "agt-13", "x": "\ud83d"}),
                 id="tag-value"),
    pytest.param("credit", movement("credit", tags={"\udc00": "1"}), id="tag-key"),
    pytest.param("debit", movement(tags={"gameid": "\ud800-13"}), id="game-id"),
    pytest.param("rollback", rollback_body(externalReference="rb-\ud800"), id="rollback-reference"),
]


@pytest.mark.parametrize(("name", "body"), LONE_SURROGATES)
def test_lone_surrogate_escape_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        body: bytes) -> None:
    # json.dumps writes a lone surrogate as a "\ud800" escape, as a hostile client would.
    assert b"\\ud" in body
    call = replace(endpoint_call(name, live), body=body)
    response = assert_refused(redis_client, lambda: send(gpas, call), INVALID_REQUEST)
    assert "surrogate" in json_of(response)["message"]


@pytest.mark.parametrize(("path", "body"), [
    ("/admin/wallets", {"playerId": "\ud800", "currency": "BRL"}),
    ("/admin/wallets/{w}/deposits", {"amount": "1", "subWallet": "REAL", "reference": "\udfff"}),
    ("/admin/launch-tokens", {"walletId": "\ud800"}),
])
def test_admin_body_with_lone_surrogate_is_refused_and_changes_nothing(
        app: Flask, live: Live, redis_client: RedisClient, path: str,
        body: dict[str, Any]) -> None:
    client = app.test_client()
    raw = json.dumps(body).encode()
    assert_refused(redis_client, lambda: client.post(path.format(w=live.wallet_id), data=raw,
                                                     headers=ADMIN), INVALID_REQUEST)


# Unicode and control characters in references and tags -------------------------------------

UNICODE_REFERENCES = ["réf-çà-1", "参考-番号-7", "bet-💰-🎰", "ref\u202eevil", "zero\u200bwidth",
                      "e\u0301-combining", "\u2028line-separator", "ﬁ-ligature"]


@pytest.mark.parametrize("reference", UNICODE_REFERENCES)
def test_unicode_reference_and_tags_are_stored_exactly_as_sent(
        gpas: GpasClient, admin: AdminClient, live: Live, reference: str) -> None:
    tags = {"gameid": "agt-13", "note": reference, reference: "\x00\t\x1b[31m\x7f"}
    call = replace(endpoint_call("credit", live),
                   body=movement("credit", externalReference=reference, tags=tags))
    assert send(gpas, call).status_code == 200
    entries = decimal_json(admin.get(f"/sessions/{live.session_id}"))["entries"]
    stored = next(e["data"] for e in entries if e["data"].get("ref") == reference)
    assert json.loads(stored["tags"]) == tags
    assert gpas.credit(live.session_id, "1", reference=reference).status_code == 400


def test_references_that_only_look_alike_are_different_references(
        gpas: GpasClient, live: Live) -> None:
    # NFC "é" and NFD "e" + combining acute are different bytes: GPAS's reference is its bytes.
    assert gpas.credit(live.session_id, "1", reference="caf\u00e9").status_code == 200
    assert gpas.credit(live.session_id, "1", reference="cafe\u0301").status_code == 200


CONTROL_CHARACTERS = ["\x00", "\t", "\r", "\x1b", "\x1f", "\x7f", "\x85", "\x9b"]


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=[f"U+{ord(c):04X}" for c in
                                                         CONTROL_CHARACTERS])
@pytest.mark.parametrize("where", ["reference", "rollback-reference", "rollback-target",
                                   "game-id"])
def test_control_character_in_a_reference_or_game_id_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, where: str,
        char: str) -> None:
    value = f"bet{char}2"
    call = {
        "reference": replace(endpoint_call("debit", live),
                             body=movement(externalReference=value)),
        "rollback-reference": replace(endpoint_call("rollback", live),
                                      body=rollback_body(externalReference=value)),
        "rollback-target": replace(
            endpoint_call("rollback", live),
            query=f"walletSessionId={live.session_id}&externalMovementId=bet%{ord(char):02X}2"
            if ord(char) < 0x80 else
            f"walletSessionId={live.session_id}&externalMovementId=bet%C2%{ord(char):02X}2"),
        "game-id": replace(endpoint_call("debit", live),
                           body=movement(tags={"gameid": f"agt{char}13"})),
    }[where]
    expected = (400, 1009, "INVALID_GAME_ID") if where == "game-id" else INVALID_REQUEST
    assert_refused(redis_client, lambda: send(gpas, call), expected)


# Very long and odd query strings -------------------------------------------------------------

@pytest.mark.parametrize("query", [
    pytest.param("walletSessionId={s}" + "0" * 8000, id="session-id-8000-chars"),
    pytest.param("walletSessionId={s}&" + "&".join(f"p{n}=x" for n in range(1500)),
                 id="1500-unknown-parameters"),
    pytest.param("walletSessionId={s}&walletSessionId=other", id="repeated-with-another-value"),
    pytest.param("walletSessionId=%ff%fe%00", id="not-utf8-percent-encoded"),
    pytest.param("walletSessionId={s}&walletSessionId", id="repeated-without-value"),
    pytest.param("walletSessionId[]={s}", id="array-syntax"),
    pytest.param("walletSessionId={s}%00", id="nul-after-the-session-id"),
])
@pytest.mark.parametrize("name", ["balance", "debit", "close"])
def test_long_or_odd_query_string_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, name: str,
        query: str) -> None:
    parameter = "id" if name == "close" else "walletSessionId"
    query = query.replace("walletSessionId", parameter).replace("{s}", live.session_id)
    call = replace(endpoint_call(name, live), query=query)
    assert_refused(redis_client, lambda: send(gpas, call), _query_refusal(query))


def _query_refusal(query: str) -> tuple[int, int, str]:
    # A parameter that is well-formed but names no live session is a session refusal.
    if "=%ff" in query or query.endswith("%00"):
        return (400, 1004, "INVALID_WALLET_SESSION")
    return INVALID_REQUEST


def test_long_reference_to_roll_back_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    call = replace(endpoint_call("rollback", live),
                   query=f"walletSessionId={live.session_id}&externalMovementId={'r' * 5000}")
    assert_refused(redis_client, lambda: send(gpas, call), INVALID_REQUEST)


@pytest.mark.parametrize("query", [
    "date_from=2026-09-21&date_to=2026-09-21&date_to=2026-09-22",
    "date_from=2026-09-21&date_to=2026-09-21&provider_code=" + "A" * 5000,
    "date_from=2026-09-21%00&date_to=2026-09-21",
    "date_from=20260921&date_to=2026-09-21",
    "date_from=0000-01-01&date_to=0000-01-01",
    "date_from=9999-12-31&date_to=10000-01-01",
])
def test_odd_reconciliation_query_is_refused(app: Flask, redis_client: RedisClient,
                                             query: str) -> None:
    client = app.test_client()
    assert_refused(redis_client, lambda: client.get(f"/reconciliation?{query}",
                                                    headers=RECONCILIATION), INVALID_REQUEST)


# Numbers no decimal can hold -----------------------------------------------------------------

@pytest.mark.parametrize("body", [
    pytest.param(movement(value="1e1000000000000000000"), id="value-exponent-19-digits"),
    pytest.param(movement(value="1e-99999999999999999999"), id="value-tiny-exponent"),
    pytest.param(debit_with_tags('{"gameid":"agt-13","n":9e9999999999999999999}'),
                 id="tag-huge-exponent"),
])
def test_number_beyond_any_decimal_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient, body: bytes) -> None:
    call = replace(endpoint_call("debit", live), body=body)
    response = assert_refused(redis_client, lambda: send(gpas, call), INVALID_REQUEST)
    assert "out of range" in json_of(response)["message"]


# Byte order marks, and bodies where none belongs (content types: test_errors_request.py) ----

def test_byte_order_mark_before_the_json_is_tolerated_and_signed_as_sent(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    # RFC 8259 lets a parser ignore a BOM; the signature still covers the bytes as sent.
    call = endpoint_call("debit", live)
    call = replace(call, body=b"\xef\xbb\xbf" + call.body)
    without_bom = lambda c: sign_as_gpas(c.body[3:])  # noqa: E731
    assert_refused(redis_client, lambda: send(gpas, call, signature=without_bom),
                   (400, 1006, "SIGNATURE_FAILED"))
    assert send(gpas, call).status_code == 200


def test_body_sent_to_a_query_signed_call_is_what_gets_signed(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    # docs/gpas-contract.md, "Signing": a non-empty body is the signed input, whatever the
    # route; its query is not.
    call = replace(endpoint_call("close", live), body=b'{"id": "x"}')
    query_signed = lambda c: sign_as_gpas(c.query.encode())  # noqa: E731
    assert_refused(redis_client, lambda: send(gpas, call, signature=query_signed),
                   (400, 1006, "SIGNATURE_FAILED"))
    assert send(gpas, call).status_code == 200


# Sessions and wallets that are not the caller's ---------------------------------------------

@pytest.mark.parametrize("mode", ["refuse", "replay"])
def test_captured_body_replayed_on_another_wallets_session_is_refused_and_changes_nothing(
        make_app: Callable[..., Flask], redis_client: RedisClient, mode: str) -> None:
    client = make_app(duplicate_reply=mode).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, victim = open_session(gpas, admin, real="100")
    _, attacker = open_session(gpas, admin, real="100")
    captured = movement("credit", value='"50"', externalReference="win-1")
    on_victim = Call("POST", "/movements/credit", f"walletSessionId={victim}", captured)
    assert send(gpas, on_victim).status_code == 200
    replayed = replace(on_victim, query=f"walletSessionId={attacker}")
    assert_refused(redis_client, lambda: send(gpas, replayed), (400, 1003, "DUPLICATE_TX_ID"))


def test_rollback_on_own_session_of_another_wallets_movement_is_refused(
        gpas: GpasClient, admin: AdminClient, live: Live,
        redis_client: RedisClient) -> None:
    _, other = open_session(gpas, admin, real="100")
    call = replace(endpoint_call("rollback", live),
                   query=f"walletSessionId={other}&externalMovementId=bet-1")
    assert_refused(redis_client, lambda: send(gpas, call), (400, 1002, "INVALID_TX_ID"))


def test_admin_path_with_odd_wallet_id_answers_404_in_the_gpas_shape(
        app: Flask, redis_client: RedisClient) -> None:
    client = app.test_client()
    for path in ["%F0%9F%92%B0", "%ED%A0%80", "a%00b", "w" * 5000, "..%2f..%2fetc"]:
        before = snapshot(redis_client)
        response = client.get(f"/admin/wallets/{path}", headers=ADMIN)
        assert_error_shape(response, (404, 1010, "NOT_FOUND"))
        assert snapshot(redis_client) == before

