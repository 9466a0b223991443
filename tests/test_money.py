"""Exact money: parsing decimals and converting to and from minor units (docs/gpas-contract.md,
"Money")."""

from __future__ import annotations

from decimal import Decimal

import pytest
import simplejson

from walletsvc.money import MAX_MINOR, AmountError, Currencies, from_minor, parse_decimal, to_minor

# A value with more significant digits than the conversion context holds: 10^9 plus 10^-70.
SIXTY_ONE_DIGITS_AND_MORE = ("1" + "0" * 39 + "." + "0" * 39 + "1") + "e-30"


def json_number(text: str) -> Decimal:
    """Parse ``text`` as the body parser does: JSON numbers become exact decimals."""
    value = simplejson.loads(text, use_decimal=True)
    assert isinstance(value, Decimal)
    return value


# parse_decimal ----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("100", Decimal(100)),
    ("10.25", Decimal("10.25")),
    ("0.10", Decimal("0.10")),
    ("0", Decimal(0)),
    ("1025e-2", Decimal("10.25")),
    ("1E+2", Decimal(100)),
    ("1e20", Decimal("1e20")),
])
def test_json_strings_are_read_exactly(raw: str, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


def test_string_keeps_its_written_digits() -> None:
    assert str(parse_decimal("0.10")) == "0.10"
    assert str(parse_decimal("12.50")) == "12.50"


@pytest.mark.parametrize(("raw", "expected"), [
    (0, Decimal(0)), (15, Decimal(15)), (10**20, Decimal(10**20)),
])
def test_json_integers_are_read_exactly(raw: int, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


def test_decimals_from_json_numbers_are_read_exactly() -> None:
    # 0.1 has no exact float: reading it through one would give 0.1000000000000000055...
    assert parse_decimal(json_number("0.1")) == Decimal("0.1")
    assert parse_decimal(Decimal("90071992547409.91")) == Decimal("90071992547409.91")


@pytest.mark.parametrize("raw", [True, False])
def test_booleans_are_refused_although_python_counts_them_as_integers(raw: bool) -> None:
    with pytest.raises(AmountError, match="must be a decimal number"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [0.5, 10.25, 1.0, float("nan"), float("inf")])
def test_floats_are_refused(raw: float) -> None:
    with pytest.raises(AmountError, match="must be a decimal number"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [None, [], {}, ["1"], {"value": "1"}, b"1"])
def test_values_that_are_not_numbers_are_refused(raw: object) -> None:
    with pytest.raises(AmountError, match="must be a decimal number"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [
    "NaN", "nan", "sNaN", "-NaN", "Infinity", "-Infinity", "inf", "Inf", "+Infinity",
])
def test_nan_and_infinity_strings_are_refused(raw: str) -> None:
    with pytest.raises(AmountError):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"),
                                 Decimal("-Infinity")])
def test_nan_and_infinity_decimals_are_refused(raw: Decimal) -> None:
    with pytest.raises(AmountError):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", ["-1", "-0.01", "-1e-2", -1, Decimal("-0.01")])
def test_negative_values_are_refused(raw: object) -> None:
    with pytest.raises(AmountError, match="must not be negative"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [
    " 1", "1 ", "1\n", "\t1", "1 000", "1. 5", "",
])
def test_whitespace_and_empty_strings_are_refused(raw: str) -> None:
    with pytest.raises(AmountError, match="must be a decimal number"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [
    "1_000", "1_000.00", "0.0_1", "1e1_0",  # Decimal() itself would accept these
    "+1", ".5", "5.", "0x10", "1,5", "1.2.3", "1e", "e5", "\u0661", "\uff11", "1e+-2",
])
def test_anything_but_plain_decimal_notation_is_refused(raw: str) -> None:
    with pytest.raises(AmountError, match="must be a decimal number"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [
    "1e999999", "1E+999999", "9" * 40 + "e999999", "1e21", "1" + "0" * 21,
])
def test_huge_strings_are_refused_before_any_arithmetic(raw: str) -> None:
    with pytest.raises(AmountError, match="too large"):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", ["1e9999999", "1e1000000"])
def test_exponents_longer_than_six_digits_are_refused(raw: str) -> None:
    with pytest.raises(AmountError):
        parse_decimal(raw)


@pytest.mark.parametrize("raw", [10**21, 10**400, Decimal("1e999999"), Decimal("1e999999999")])
def test_huge_numbers_are_refused(raw: object) -> None:
    with pytest.raises(AmountError, match="too large"):
        parse_decimal(raw)


def test_huge_json_number_is_refused() -> None:
    with pytest.raises(AmountError, match="too large"):
        parse_decimal(json_number("1e999999"))


# to_minor ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "scale", "minor"), [
    ("15", 0, 15), ("15.0", 0, 15), ("15.000", 0, 15), ("1.5e1", 0, 15), ("0", 0, 0),
    ("10.25", 2, 1025), ("0.01", 2, 1), ("1", 2, 100), ("1.10", 2, 110), ("1.100", 2, 110),
    ("1025e-2", 2, 1025), ("1e2", 2, 10_000),
    ("0.00000001", 8, 1), ("1", 8, 100_000_000), ("0.12345678", 8, 12_345_678),
    ("21000000.00000000", 8, 2_100_000_000_000_000),
])
def test_value_converts_to_exact_minor_units(raw: str, scale: int, minor: int) -> None:
    assert to_minor(parse_decimal(raw), scale) == minor


@pytest.mark.parametrize(("raw", "scale"), [
    ("15.5", 0), ("0.1", 0), ("1e-1", 0),
    ("1.001", 2), ("0.001", 2), ("10.255", 2), ("1025e-3", 2),
    ("0.000000001", 8), ("1.123456789", 8),
])
def test_more_fractional_digits_than_the_scale_are_refused(raw: str, scale: int) -> None:
    with pytest.raises(AmountError, match=f"more than {scale} decimal places"):
        to_minor(parse_decimal(raw), scale)


@pytest.mark.parametrize("scale", [0, 2, 8])
@pytest.mark.parametrize("raw", [
    "1e-999999",
    "0." + "0" * 39 + "1",
    "0." + "0" * 39 + "1e-999999",
])
def test_tiny_non_zero_strings_are_refused_at_any_scale(raw: str, scale: int) -> None:
    with pytest.raises(AmountError, match="decimal places"):
        to_minor(parse_decimal(raw), scale)


@pytest.mark.parametrize("scale", [0, 2, 8])
@pytest.mark.parametrize("raw", ["1e-999999", "1e-9999999999", "1e-1000000000000"])
def test_tiny_non_zero_json_numbers_are_refused_and_never_become_zero(raw: str,
                                                                      scale: int) -> None:
    with pytest.raises(AmountError, match="decimal places"):
        to_minor(parse_decimal(json_number(raw)), scale)


@pytest.mark.parametrize("scale", [0, 2, 8])
def test_digits_beyond_the_working_precision_are_refused_not_rounded(scale: int) -> None:
    value = parse_decimal(SIXTY_ONE_DIGITS_AND_MORE)
    assert value > Decimal(10**9)
    with pytest.raises(AmountError, match="decimal places"):
        to_minor(value, scale)


def test_trailing_zeros_beyond_the_working_precision_are_still_exact() -> None:
    assert to_minor(Decimal("1." + "0" * 100), 2) == 100


@pytest.mark.parametrize(("raw", "scale"), [
    ("9007199254740991", 0),
    ("90071992547409.91", 2),
    ("90071992.54740991", 8),
])
def test_largest_amount_is_2_to_the_53_minus_1_minor_units(raw: str, scale: int) -> None:
    assert to_minor(parse_decimal(raw), scale) == MAX_MINOR == 2**53 - 1


@pytest.mark.parametrize(("raw", "scale"), [
    ("9007199254740992", 0),
    ("90071992547409.92", 2),
    ("90071992.54740992", 8),
    ("100000000000000000000", 0),
    ("100000000000000000000", 8),
    ("1e20", 2),
])
def test_amounts_above_2_to_the_53_minus_1_minor_units_are_refused(raw: str,
                                                                   scale: int) -> None:
    with pytest.raises(AmountError, match="too large"):
        to_minor(parse_decimal(raw), scale)


def test_to_minor_refuses_a_huge_decimal_even_without_parse_decimal() -> None:
    with pytest.raises(AmountError, match="too large"):
        to_minor(Decimal("9e999999"), 8)


# from_minor -------------------------------------------------------------------------------

@pytest.mark.parametrize(("minor", "scale", "text"), [
    (1050, 2, "10.50"), (1, 2, "0.01"), (0, 2, "0.00"), (-150, 2, "-1.50"),
    (15, 0, "15"), (1, 8, "1E-8"), (100_000_000, 8, "1.00000000"),
    (MAX_MINOR, 2, "90071992547409.91"),
])
def test_from_minor_gives_a_decimal_at_the_currency_scale(minor: int, scale: int,
                                                          text: str) -> None:
    value = from_minor(minor, scale)
    assert str(value) == text
    assert value.as_tuple().exponent == -scale


@pytest.mark.parametrize("scale", [0, 2, 8])
@pytest.mark.parametrize("minor", [0, 1, 7, 99, 100, 123_456_789, MAX_MINOR - 1, MAX_MINOR])
def test_minor_units_round_trip_exactly(minor: int, scale: int) -> None:
    assert to_minor(from_minor(minor, scale), scale) == minor


@pytest.mark.parametrize(("raw", "scale"), [("10.25", 2), ("15", 0), ("0.00000001", 8)])
def test_decimal_round_trips_through_minor_units(raw: str, scale: int) -> None:
    value = parse_decimal(raw)
    assert from_minor(to_minor(value, scale), scale) == value


# Currencies -------------------------------------------------------------------------------

def test_builtin_currencies_have_their_scales() -> None:
    currencies = Currencies({})
    assert {code: currencies.scale(code) for code in currencies.codes()} == {
        "BRL": 2, "USD": 2, "EUR": 2, "MXN": 2, "CLP": 0, "PYG": 0}


def test_other_currencies_are_accepted_only_when_configured_with_a_scale() -> None:
    assert "BTC" not in Currencies({})
    configured = Currencies({"BTC": 8})
    assert "BTC" in configured
    assert configured.scale("BTC") == 8
    assert to_minor(parse_decimal("0.00000001"), configured.scale("BTC")) == 1
    assert "BRL" in configured
