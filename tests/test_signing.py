"""Plain SHA1 of input + secret, upper-case hex, and the guide's test vectors
(docs/gpas-contract.md, "Signing")."""

from __future__ import annotations

import pytest

from walletsvc.signing import sign, signed_input, verify_signature

SECRET = "Ax34deSfgdB"
D1 = (b'{"externalReference":"agt-b7219c1d2d5e1bd40a508ef19a672d06","value":"100","description":'
      b'"Debit game move for customer id 6df5sd made by gpas","typeCode":"GAME_DEBIT","tags":'
      b'{"gpasSessionId":"gpas-bfd9516b-c51f-4bd5-ab83-8899100dc636","gameid":"agt-13"}}')
C1 = (b'{"externalReference":"agt-n1572n6e5e5w2mw13l867azo4b381t27","value":"200","description":'
      b'"Credit game move for customer id 6df5sd made by gpas","typeCode":"GAME_CREDIT","tags":'
      b'{"gpasSessionId":"gpas-bfd9516b-c51f-4bd5-ab83-8899100dc636","gameid":"agt-13"}}')
R1 = (b'{"externalReference":"agt-u1385e2f3q8x9cv274618ybd7h612p26","description":'
      b'"Rollback game move for customer id 6df5sd made by gpas","tags":'
      b'{"gpasSessionId":"gpas-bfd9516b-c51f-4bd5-ab83-8899100dc636","gameid":"agt-13"}}')

VECTORS = [
    (b"walletId=2sdflsd", "8F0F3379F1C6CC24DF5A4DC2A937061102487C46"),
    (b"walletSessionId=3fa85f64-5717-4562-b3fc-2c963f66afa6",
     "52D7382EB6D253CECBD0414AE0CF5B673C9D2D0C"),
    (b"id=3fa85f64-5717-4562-b3fc-2c963f66afa6", "097C11EEE445BB16C4FBC5197E1E4492BD47AB0F"),
    (D1, "963510BBB54BFB7916BF7D5937539A8AB5E3A633"),
    (C1, "ADC0C7E5A925645EED839485C12F0DFDFEEA257F"),
    (R1, "8A25D73497BA197F5E67C49E149814DFDFB2FB56"),
]


@pytest.mark.parametrize(("signed", "expected"), VECTORS)
def test_spec_vectors_sign_and_verify(signed: bytes, expected: str) -> None:
    assert sign(signed, SECRET) == expected
    assert verify_signature(signed, SECRET, expected)


@pytest.mark.parametrize(("signed", "expected"), VECTORS)
def test_lower_case_signature_is_refused(signed: bytes, expected: str) -> None:
    assert not verify_signature(signed, SECRET, expected.lower())


def test_any_changed_byte_fails_verification() -> None:
    expected = sign(D1, SECRET)
    for index in range(len(D1)):
        changed = D1[:index] + bytes([D1[index] ^ 0x01]) + D1[index + 1:]
        assert not verify_signature(changed, SECRET, expected)


def test_wrong_secret_or_empty_signature_fails() -> None:
    assert not verify_signature(D1, "other", sign(D1, SECRET))
    assert not verify_signature(D1, SECRET, "")


def test_body_is_signed_when_present_else_query() -> None:
    assert signed_input(b"{}", b"a=1") == b"{}"
    assert signed_input(b"", b"a=1") == b"a=1"
