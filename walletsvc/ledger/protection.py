"""The regulator's daily report of player protection: every change and refusal of a day.

Read from the ledger (view ``ledger_protection``, migration 0003): who asked what, the old and
new value, when it was asked and when it applies; each refusal with its limit, period, use and
the amount tried. Amounts are decimals in the wallet's currency, durations seconds, times
ISO-8601 UTC; the day is a calendar day in the configured time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from walletsvc.clock import iso_utc
from walletsvc.domain.protection.limits import KINDS, PERIODS, Kind, parse_field
from walletsvc.domain.protection.periods import Calendar
from walletsvc.ledger.records import millis, moment
from walletsvc.money import Currencies, from_minor

FIELDS = ("time", "walletId", "event", "action", "limit", "period", "oldValue", "newValue",
          "limitValue", "used", "amountTried", "currency", "askedBy", "origin", "reason",
          "askedAt", "effectiveAt", "reference", "sessionId")
_QUERY = """
SELECT p.at, p.wallet_id, p.event, p.action, p.limit_name, p.refusal, p.period, p.limit_value,
       p.old_value, p.new_value, p.used, p.amount_tried, coalesce(p.currency, w.currency),
       p.asked_by, p.origin, p.reason, p.asked_ms, p.effective_ms, p.reference, p.session_id,
       p.pause_until
FROM ledger_protection p LEFT JOIN ledger_wallets w USING (wallet_id)
WHERE p.at >= %s AND p.at < %s ORDER BY p.at, p.wallet_id
"""
_PAUSE_ACTIONS = ("paused", "lifted")


def daily(conn: psycopg.Connection[tuple[Any, ...]], day: date, calendar: Calendar,
          currencies: Currencies) -> Iterator[dict[str, Any]]:
    """Yield the report's rows of a local calendar day, oldest first."""
    start, end = calendar.day_bounds(day)
    with conn.cursor() as cur:
        cur.execute(_QUERY, (moment(start), moment(end)))
        for row in cur:
            yield _row(row, currencies)


def _row(row: tuple[Any, ...], currencies: Currencies) -> dict[str, Any]:
    (at, wallet_id, event, action, name, refusal, period, limit_value, old, new, used, tried,
     currency, by, origin, reason, asked, effective, reference, session_id, until) = row
    scale = currencies.scale(currency) if currency in currencies else 0
    kind: Kind | None = None
    limit = period_name = None
    if event == "protection" and action not in _PAUSE_ACTIONS:
        kind, period_name = parse_field(name)
    elif event == "refused" and refusal.endswith("_LIMIT_REACHED"):
        kind = KINDS[refusal.removesuffix("_LIMIT_REACHED").lower()]
        period_name = PERIODS.get(period)

    def value(text: str | int | None) -> Any:
        if text in (None, ""):
            return None
        if kind is None:  # a pause's end
            return "indefinite" if text == "inf" else iso_utc(int(text))
        minor = int(text)
        return from_minor(minor, scale) if kind.money else Decimal(minor).scaleb(-3)

    if kind is not None:
        limit = kind.name.upper()
    return {
        "time": iso_utc(millis(at)), "walletId": wallet_id,
        "event": "REFUSAL" if event == "refused" else
                 "PAUSE" if action in _PAUSE_ACTIONS else "LIMIT_CHANGE",
        "action": refusal if event == "refused" else action, "limit": limit,
        "period": period_name.upper() if period_name else None,
        "oldValue": value(old), "newValue": value(new if event != "refused" else until),
        "limitValue": value(limit_value), "used": value(used), "amountTried": value(tried),
        "currency": currency, "askedBy": by, "origin": origin, "reason": reason,
        "askedAt": iso_utc(int(asked)) if asked else None,
        "effectiveAt": iso_utc(int(effective)) if effective else None,
        "reference": reference, "sessionId": session_id,
    }
