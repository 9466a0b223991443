"""The reader's language and the formats of amounts and dates (Flask-Babel).

The language is the one the reader chose (``?lang=`` on any page, kept in a cookie), else
the browser's Accept-Language, else English. Amounts are exact decimals: every digit the
currency's scale gives is shown, none rounded away; dates are shown in UTC, the service's clock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask import Flask, Response, current_app
from flask_babel import Babel, format_date, format_datetime, get_locale, gettext

from walletsvc.console.codes import word
from walletsvc.console.web import bp
from walletsvc.context import current_request

LANGUAGES = {"en": "English", "pt_BR": "Português (Brasil)"}
COOKIE = "console-lang"
_COOKIE_DAYS = 365
_TRANSLATIONS = Path(__file__).parent / "translations"


def init_app(app: Flask) -> None:
    """Register Flask-Babel with the console's catalogues and locale selector."""
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    Babel(app, locale_selector=select, default_translation_directories=str(_TRANSLATIONS))
    app.jinja_env.filters["amount"] = amount
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["word"] = word
    app.jinja_env.globals["language_tag"] = language_tag
    app.jinja_env.globals["languages"] = LANGUAGES


def select() -> str:
    """Return the reader's language: chosen now, chosen before, or the browser's."""
    request = current_request()
    chosen = request.args.get("lang") or request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    offered = [code.replace("_", "-") for code in LANGUAGES]
    best = request.accept_languages.best_match(offered) or "en"
    return best.replace("-", "_")


def language_tag() -> str:
    """Return the page's language as HTML's ``lang`` writes it (pt-BR)."""
    return str(get_locale() or "en").replace("_", "-")


@bp.after_request
def _remember(response: Response) -> Response:
    """Keep the language a reader chose with ``?lang=`` for their next pages."""
    request = current_request()
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        # Secure exactly when the session's cookie is (behind the proxy the request is http).
        response.set_cookie(COOKIE, chosen, max_age=_COOKIE_DAYS * 86_400, path="/console",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
                            httponly=True, samesite="Lax")
    return response


def amount(value: Decimal | None, currency: str = "") -> str:
    """Return an exact amount in the reader's format, every digit of its scale kept."""
    if value is None:
        return "—"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        value = value.quantize(Decimal(1))  # 1E+2 is written 100
    # Python groups the exact digits (never rounding) with "," and ".": those become the
    # reader's separators, one character each way (a page of reconciliation rows writes
    # thousands of amounts: Babel's general formatter took most of its time).
    decimal, group = _separators(str(get_locale() or "en"))
    shown = format(value, ",").translate({ord(","): group, ord("."): decimal})
    return f"{shown} {currency}".strip()


@lru_cache(maxsize=8)
def _separators(language: str) -> tuple[str, str]:
    """Return the decimal and the group separator of ``language``."""
    return get_decimal_symbol(language), get_group_symbol(language)


def number(value: Decimal | int | None) -> str:
    """Return an amount (its currency said elsewhere on the page) or a count in the reader's
    format, exactly as ``amount`` does."""
    return amount(None if value is None else Decimal(value))


def when(iso: str | None) -> str:
    """Return an ISO 8601 time (the API's form) as the reader writes a date and time."""
    if not iso:
        return "—"
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return f"{format_datetime(moment, 'medium')} UTC"


def day(iso: str | None) -> str:
    """Return an ISO 8601 date (YYYY-MM-DD) as the reader writes a date."""
    if not iso:
        return "—"
    return str(format_date(date.fromisoformat(iso), "medium"))


def read_amount(written: str) -> Decimal | None:
    """Read an amount as the reader writes numbers (1.234,50 in Brazil), exactly; None when
    it is not one in their way of writing (1,234.50 is refused there, never guessed)."""
    try:
        return parse_decimal(written, locale=get_locale() or "en", strict=True)
    except NumberFormatError:
        return None


def amount_hint() -> str:
    """Say how the reader writes an amount."""
    example = format_decimal(Decimal("1234.50"), format="#,##0.00", locale=get_locale() or "en")
    return str(gettext("Write the amount as %(example)s.", example=example))
