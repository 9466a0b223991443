"""Properties of GPAS signatures (docs/gpas-contract.md, "Signing"): any input verifies
with its own, never another."""

from __future__ import annotations

import re
import string

from hypothesis import assume, given
from hypothesis import strategies as st

from devkit.gpas import signed_headers
from devkit.responses import json_of
from devkit.settings import PARENT_ID, SECRET, base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.signing import sign, signed_input, verify_signature

bodies = st.binary(min_size=1, max_size=2048)
secrets = st.text(min_size=1, max_size=64)
# Query strings as GPAS could send them: URL characters, percent escapes, repeats, no '#'.
query_strings = st.lists(
    st.text(alphabet=string.ascii_letters + string.digits + "-._~=&+%!$'()*,;:@/?é€",
            max_size=40),
    min_size=1, max_size=4,
).map("&".join).filter(bool)


@given(bodies | query_strings.map(str.encode), secrets)
def test_any_input_verifies_with_its_own_signature(signed: bytes, secret: str) -> None:
    signature = sign(signed, secret)
    assert re.fullmatch(r"[0-9A-F]{40}", signature)
    assert verify_signature(signed, secret, signature)


@given(bodies, secrets, st.data())
def test_any_changed_byte_fails(body: bytes, secret: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(body) - 1), label="index")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = body[:index] + bytes([body[index] ^ flip]) + body[index + 1:]
    assert not verify_signature(changed, secret, sign(body, secret))


@given(bodies, secrets, st.binary(min_size=1, max_size=3), st.booleans())
def test_any_added_or_removed_bytes_fail(body: bytes, secret: str, extra: bytes,
                                         at_end: bool) -> None:
    grown = body + extra if at_end else extra + body
    signature = sign(body, secret)
    assert not verify_signature(grown, secret, signature)
    assert not verify_signature(body, secret, sign(grown, secret))


@given(bodies, secrets, st.data())
def test_any_changed_signature_character_fails(body: bytes, secret: str,
                                               data: st.DataObject) -> None:
    signature = sign(body, secret)
    index = data.draw(st.integers(0, 39), label="index")
    other = data.draw(st.sampled_from("0123456789ABCDEFabcdef ").filter(
        lambda c: c != signature[index]), label="character")
    changed = signature[:index] + other + signature[index + 1:]
    assert not verify_signature(body, secret, changed)


@given(bodies, secrets)
def test_the_lower_case_or_trimmed_signature_fails(body: bytes, secret: str) -> None:
    signature = sign(body, secret)
    assume(signature != signature.lower())
    for wrong in (signature.lower(), signature[:-1], signature + "0", " " + signature, ""):
        assert not verify_signature(body, secret, wrong)


@given(bodies, secrets, secrets)
def test_another_secret_fails(body: bytes, secret: str, other: str) -> None:
    assume(other != secret)
    assert not verify_signature(body, other, sign(body, secret))


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_the_body_is_signed_when_there_is_one_else_the_query(body: bytes, query: bytes) -> None:
    assert signed_input(body, query) == (body or query)


# Through the API: the raw query string as received is what is verified ----------------------

@given(query_strings, st.data())
def test_any_query_string_passes_the_signature_check_with_its_own_signature_only(
        query: str, data: st.DataObject) -> None:
    client = create_app(base_config(), redis=FakeRedis()
                        ).test_client()
    signature = sign(query.encode(), SECRET)
    signed = client.get("/wallets/balance", query_string=query,
                        headers=signed_headers(PARENT_ID, SECRET, b"", query, signature))
    # No session is open, so the call is refused, but past the signature and never a crash.
    assert signed.status_code == 400, query
    assert json_of(signed)["code"] != 1006, query
    index = data.draw(st.integers(0, 39), label="index")
    wrong = signature[:index] + ("0" if signature[index] != "0" else "1") + signature[index + 1:]
    refused = client.get("/wallets/balance", query_string=query,
                         headers=signed_headers(PARENT_ID, SECRET, b"", query, wrong))
    assert (refused.status_code, json_of(refused)["code"]) == (400, 1006)
