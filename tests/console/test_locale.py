"""Amounts in the reader's format: exactly as Babel writes them with a pattern of the value's
own scale, every digit kept, in each of the console's languages."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import Babel, force_locale

from walletsvc.console.locale import LANGUAGES, amount, number


def _babel(value: Decimal, language: str) -> str:
    exponent = value.as_tuple().exponent
    scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_decimal(value, format="#,##0" + ("." + "0" * scale if scale else ""),
                          locale=language, decimal_quantization=False)


def _values() -> list[Decimal]:
    rng = random.Random(25)
    drawn = [Decimal(rng.randrange(-10**15, 10**15)).scaleb(-rng.randrange(0, 9))
             for _ in range(500)]
    return [*drawn, Decimal("0"), Decimal("-0.50"), Decimal("0.001"), Decimal("1E+2"),
            Decimal("999.999"), Decimal("1000"), Decimal("-1000000.00")]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_amounts_are_written_as_babel_writes_them_every_digit_kept(language: str) -> None:
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale(language):
        for value in _values():
            assert amount(value, "BRL") == f"{_babel(value, language)} BRL", value
            assert number(value) == _babel(value, language), value
    assert amount(None) == "—"
