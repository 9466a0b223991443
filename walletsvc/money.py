"""Exact money: decimals at the edges, integer minor units everywhere else."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow

# Lua numbers are doubles: every stored amount and balance stays below 2^53 to stay exact.
MAX_MINOR = 2**53 - 1
BUILTIN_SCALES: Mapping[str, int] = {"BRL": 2, "USD": 2, "EUR": 2, "MXN": 2, "CLP": 0, "PYG": 0}

# Plain decimal notation with an optional exponent: no spaces, underscores, signs but '-'.
DECIMAL_TEXT = re.compile(r"-?[0-9]{1,40}(\.[0-9]{1,40})?([eE][-+]?[0-9]{1,6})?")
# Inexact is trapped: scaling must never round away a digit, nor underflow a tiny value to 0.
_CONTEXT = Context(prec=60, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])


class AmountError(ValueError):
    """A money value that cannot be taken exactly."""


def parse_decimal(raw: object, signed: bool = False) -> Decimal:
    """Read a JSON string or number as an exact, finite decimal, non-negative unless
    ``signed``."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise AmountError("must be a decimal number, as a string or a JSON number")
    if isinstance(raw, str) and not DECIMAL_TEXT.fullmatch(raw):
        raise AmountError("must be a decimal number such as \"12.50\"")
    value = Decimal(raw)
    if not value.is_finite():
        raise AmountError("must be a finite number")
    if value < 0 and not signed:
        raise AmountError("must not be negative")
    if value != 0 and value.adjusted() > 20:
        raise AmountError("is too large")
    return value


def to_minor(value: Decimal, scale: int) -> int:
    """Convert ``value`` to minor units, refusing digits the currency does not have."""
    try:
        scaled = value.scaleb(scale, _CONTEXT)
    except Overflow:
        raise AmountError("is too large") from None
    except Inexact:
        raise AmountError(f"has more than {scale} decimal places for this currency") from None
    try:
        whole = scaled.to_integral_value(context=_CONTEXT)
    except InvalidOperation:
        raise AmountError("is too large") from None
    if whole != scaled:
        raise AmountError(f"has more than {scale} decimal places for this currency")
    if whole > MAX_MINOR:
        raise AmountError("is too large")
    return int(whole)


def from_minor(minor: int, scale: int) -> Decimal:
    """Convert minor units back to a decimal with exactly ``scale`` places."""
    return Decimal(minor).scaleb(-scale, _CONTEXT)


class Currencies:
    """The currencies the wallet accepts and their scales."""

    def __init__(self, extra_scales: Mapping[str, int]) -> None:
        self._scales = {**BUILTIN_SCALES, **extra_scales}

    def __contains__(self, code: object) -> bool:
        return code in self._scales

    def scale(self, code: str) -> int:
        """Return the number of decimal places of ``code``."""
        return self._scales[code]

    def codes(self) -> list[str]:
        """Return the accepted currency codes, sorted."""
        return sorted(self._scales)
