"""The ledger's reports as the schemas of walletsvc.schemas.ledger dump them (decimal amounts)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from walletsvc.clock import iso_utc
from walletsvc.ledger.records import millis
from walletsvc.ledger.reports import Liability
from walletsvc.ledger.statement import Statement, StatementLine
from walletsvc.money import Currencies, from_minor


def _pair(real: int, bonus: int, scale: int) -> dict[str, Any]:
    return {"real": from_minor(real, scale), "bonus": from_minor(bonus, scale),
            "total": from_minor(real + bonus, scale)}


def _line(line: StatementLine, scale: int) -> dict[str, Any]:
    return {
        "at": iso_utc(millis(line.at)), "event": line.event, "reference": line.reference,
        "reverses": line.reverses, "typeCode": line.type_code,
        "amount": from_minor(line.amount, scale), "real": from_minor(line.real, scale),
        "bonus": from_minor(line.bonus, scale), "realAfter": from_minor(line.real_after, scale),
        "bonusAfter": from_minor(line.bonus_after, scale), "sessionId": line.session_id,
        "gameId": line.game_id, "description": line.description,
        "movementId": line.movement_id,
    }


def statement_head(statement: Statement, currencies: Currencies) -> dict[str, Any]:
    """Present a statement's wallet, dates and balances (all of it but its lines)."""
    scale = currencies.scale(statement.currency)
    return {
        "walletId": statement.wallet_id, "playerId": statement.player_id,
        "currency": statement.currency, "dateFrom": statement.date_from.isoformat(),
        "dateTo": statement.date_to.isoformat(), "opening": _pair(*statement.opening, scale),
        "closing": _pair(*statement.closing, scale),
    }


def statement_lines(statement: Statement, currencies: Currencies) -> Iterator[dict[str, Any]]:
    """Present a statement's lines in its wallet's currency, one at a time as they are read."""
    scale = currencies.scale(statement.currency)
    return (_line(line, scale) for line in statement.lines)


def liability_view(row: Liability, currencies: Currencies) -> dict[str, Any]:
    """Present one day's liabilities in its currency."""
    return {"date": row.date.isoformat(), "currency": row.currency,
            **_pair(row.real, row.bonus, currencies.scale(row.currency)),
            "movements": row.movements}
