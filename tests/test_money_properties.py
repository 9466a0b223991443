"""Properties of money parsing (docs/gpas-contract.md, "Money"), over generated strings,
numbers and every scale."""

from __future__ import annotations

from decimal import Decimal, localcontext

import simplejson
from hypothesis import example, given
from hypothesis import strategies as st

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.money import (
    BUILTIN_SCALES,
    DECIMAL_TEXT,
    MAX_MINOR,
    AmountError,
    from_minor,
    parse_decimal,
    to_minor,
)

scales = st.integers(min_value=0, max_value=8)
minor_units = st.integers(min_value=0, max_value=MAX_MINOR)
# JSON values of every kind, as the body parser produces them (numbers as exact decimals).
json_values = st.recursive(
    st.none() | st.booleans() | st.text(max_size=30)
    | st.integers() | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=8,
)


def written_forms(minor: int, scale: int, extra_zeros: int, shift: int) -> list[object]:
    """Return ways to write minor/10^scale: plain, padded, exponent, JSON number, integer."""
    value = from_minor(minor, scale)
    plain = format(value, "f")
    padded = plain + ("" if "." in plain else ".") + "0" * extra_zeros if extra_zeros else plain
    forms: list[object] = [str(value), plain, padded, f"{minor}e-{scale}",
                           f"{minor * 10**shift}E-{scale + shift}"]
    forms += [simplejson.loads(text, use_decimal=True) for text in (plain, f"{minor}e-{scale}")]
    if scale == 0:
        forms.append(minor)
    return [form for form in forms if not isinstance(form, str) or len(form) <= 81]


@given(minor_units, scales, st.integers(0, 30), st.integers(0, 20))
@example(MAX_MINOR, 8, 0, 0)
@example(1, 8, 30, 20)
@example(0, 0, 0, 0)
def test_every_way_of_writing_an_amount_gives_its_exact_minor_units(
        minor: int, scale: int, extra_zeros: int, shift: int) -> None:
    for form in written_forms(minor, scale, extra_zeros, shift):
        assert to_minor(parse_decimal(form), scale) == minor, form


@given(minor_units, scales, st.integers(1, 9), st.integers(1, 40))
def test_a_digit_below_the_currency_scale_is_refused_never_rounded(
        minor: int, scale: int, digit: int, depth: int) -> None:
    with localcontext(prec=200):  # the default 28 digits would round the extra digit away
        value = from_minor(minor, scale) + Decimal(digit).scaleb(-(scale + depth))
    for form in (format(value, "f"), value):
        try:
            to_minor(parse_decimal(form), scale)
        except AmountError as exc:
            # Text of more than 40 fractional digits is refused by the grammar first.
            assert any(why in str(exc) for why in ("decimal places", "too large", "such as"))
        else:
            raise AssertionError(f"{form} was taken at scale {scale}")


@given(st.integers(min_value=MAX_MINOR + 1, max_value=10**45), scales)
def test_more_than_2_to_the_53_minus_1_minor_units_is_refused(minor: int, scale: int) -> None:
    value = Decimal(minor).scaleb(-scale)
    for form in (format(value, "f"), value):
        try:
            to_minor(parse_decimal(form), scale)
        except AmountError as exc:
            # Text longer than the 40 digits the grammar allows is refused before its size.
            assert "too large" in str(exc) or "such as" in str(exc)
        else:
            raise AssertionError(f"{form} was taken")


@given(st.integers(min_value=1, max_value=10**17), scales)
@example(10**17, 0)
@example(999_999, 8)
def test_tiny_non_zero_amounts_never_become_zero(exponent: int, scale: int) -> None:
    tiny = Decimal((0, (1,), -exponent))  # 1e-exponent, as a JSON number parses
    for form in ([tiny, f"1e-{exponent}"] if exponent <= 999_999 else [tiny]):
        try:
            assert to_minor(parse_decimal(form), scale) > 0
        except AmountError as exc:
            assert "decimal places" in str(exc)


@given(st.integers(min_value=21, max_value=10**17), scales)
def test_huge_exponents_are_refused_as_too_large(exponent: int, scale: int) -> None:
    huge = Decimal((0, (1,), exponent))
    for form in ([huge, f"1e{exponent}"] if exponent <= 999_999 else [huge]):
        try:
            to_minor(parse_decimal(form), scale)
        except AmountError as exc:
            assert "too large" in str(exc)
        else:
            raise AssertionError(f"{form} was taken")


@given(st.decimals(allow_nan=False, allow_infinity=False, max_value=Decimal(-1).scaleb(-40)))
def test_negative_amounts_are_refused(value: Decimal) -> None:
    for form in (value, format(value, "f")):
        try:
            parse_decimal(form)
        except AmountError:
            continue
        raise AssertionError(f"{form} was taken")


@given(st.floats())
def test_floats_are_always_refused(value: float) -> None:
    try:
        parse_decimal(value)
    except AmountError as exc:
        assert "must be a decimal number" in str(exc)
    else:
        raise AssertionError(f"{value!r} was taken")


@given(st.text(max_size=60) | st.from_regex(DECIMAL_TEXT, fullmatch=True), scales)
@example("1e999999", 2)
@example("0e-999999", 0)
@example("9" * 40 + "." + "9" * 40 + "e-999999", 8)
def test_any_text_is_refused_cleanly_or_taken_exactly(raw: str, scale: int) -> None:
    try:
        value = parse_decimal(raw)
        minor = to_minor(value, scale)
    except AmountError:
        return
    assert 0 <= minor <= MAX_MINOR
    assert from_minor(minor, scale) == value  # nothing was rounded away


@given(json_values, scales)
def test_any_json_value_is_refused_cleanly_or_taken_exactly(raw: object, scale: int) -> None:
    try:
        minor = to_minor(parse_decimal(raw), scale)
    except AmountError:
        return
    assert isinstance(raw, str | int | Decimal) and not isinstance(raw, bool)
    assert from_minor(minor, scale) == Decimal(raw)


# Through the API: a credit of any value moves exactly that value, or is refused --------------

@given(st.sampled_from(sorted(BUILTIN_SCALES)), st.one_of(
    st.from_regex(DECIMAL_TEXT, fullmatch=True),
    st.decimals(min_value=0, max_value=10**16, allow_nan=False, places=3).map(str),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False).map(lambda d: f"{d:e}"),
    # Exponents past what a decimal holds (beyond 10^18) once crashed the JSON parser.
    st.integers(min_value=-(10**20), max_value=10**20).map(lambda exponent: f"1e{exponent}"),
))
def test_credit_of_any_written_value_moves_exactly_it_or_is_refused(operators_url: str,
                                                                    currency: str,
                                                                    value: str) -> None:
    client = create_app(base_config(ledger_url=operators_url), redis=FakeRedis()
                        ).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id, session_id = open_session(gpas, admin, real="0", currency=currency)
    for sent in (f'"{value}"', value):  # as a JSON string, then as a JSON number
        reference = f"win-{len(sent)}-{sent[:1]}"
        body = (b'{"externalReference":"%s","value":%s,"description":"d",'
                b'"typeCode":"GAME_CREDIT","tags":{}}') % (reference.encode(), sent.encode())
        before = admin.balance(wallet_id)["real"]
        response = gpas.call("POST", "/movements/credit", f"walletSessionId={session_id}", body)
        after = admin.balance(wallet_id)["real"]
        assert response.status_code in (200, 400), (sent, response.get_data(as_text=True))
        if response.status_code == 200:
            assert after - before == Decimal(value)
            assert decimal_json(response)["leftBalance"] == after
        else:
            assert json_of(response)["type"] in ("INVALID_AMOUNT", "INVALID_REQUEST"), value
            assert after == before
