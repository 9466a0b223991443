"""The daily reconciliation report GPAS asks for (docs/gpas-contract.md, "Reconciliation"), and
the same report from the ledger set beside it (``compare``: the console's reconciliation page)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from walletsvc.domain.games import GamesCatalogue
from walletsvc.errors import InvalidRequest
from walletsvc.money import Currencies, from_minor

MAX_DAYS = 31


class CounterSource(Protocol):
    """Where the counters come from: the Redis store, or the ledger for any past date."""

    def reconciliation_counters(self, days: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
        """Return (day, provider, game, currency) -> counter totals for ``days``."""


@dataclass(frozen=True)
class ReconciliationRow:
    """Totals of one (UTC date, provider, game, currency)."""

    date: str
    provider_code: str
    game_id: str
    game_name: str
    currency: str
    total_bet: Decimal
    total_bet_rollback: Decimal
    total_win: Decimal
    total_win_rollback: Decimal
    total_ggr: Decimal
    transaction_count_bet: int
    transaction_count_win: int
    transaction_count_rollback: int


class Reconciliation:
    """Read the counters the movement scripts keep and shape them into report rows."""

    def __init__(self, audit: CounterSource, games: GamesCatalogue,
                 currencies: Currencies) -> None:
        self._audit = audit
        self._games = games
        self._currencies = currencies

    def report(self, date_from: date, date_to: date, provider_code: str | None = None
               ) -> list[ReconciliationRow]:
        """Return the rows of every day from ``date_from`` to ``date_to`` inclusive, sorted."""
        if date_to < date_from:
            raise InvalidRequest("date_to is before date_from")
        if (date_to - date_from).days >= MAX_DAYS:
            raise InvalidRequest(f"at most {MAX_DAYS} days per call")
        days = [(date_from + timedelta(n)).isoformat()
                for n in range((date_to - date_from).days + 1)]
        counters = self._audit.reconciliation_counters(days)
        rows = [self._row(key, totals) for key, totals in sorted(counters.items())
                if provider_code is None or key[1] == provider_code.upper()]
        return rows

    def _row(self, key: tuple[str, ...], totals: dict[str, int]) -> ReconciliationRow:
        day, provider, game, currency = key
        bet, bet_rb = totals.get("bet", 0), totals.get("bet_rollback", 0)
        win, win_rb = totals.get("win", 0), totals.get("win_rollback", 0)
        scale = self._currencies.scale(currency)
        return ReconciliationRow(
            date=day, provider_code=provider, game_id=game, game_name=self._games.name(game),
            currency=currency,
            total_bet=from_minor(bet, scale), total_bet_rollback=from_minor(bet_rb, scale),
            total_win=from_minor(win, scale), total_win_rollback=from_minor(win_rb, scale),
            total_ggr=from_minor((bet - bet_rb) - (win - win_rb), scale),
            transaction_count_bet=totals.get("count_bet", 0),
            transaction_count_win=totals.get("count_win", 0),
            transaction_count_rollback=totals.get("count_rollback", 0),
        )


# The figures of a row, in the report's order (ReconciliationRow's fields).
MEASURES = ("total_bet", "total_bet_rollback", "total_win", "total_win_rollback", "total_ggr",
            "transaction_count_bet", "transaction_count_win", "transaction_count_rollback")
MATCH, DIFFERS, GONE, UNCHECKED = "match", "differs", "gone", "unchecked"
Number = Decimal | int


@dataclass(frozen=True)
class Figure:
    """One figure of a row as each side gives it (None: the side has no such row, or could not
    answer), and GPAS's minus the ledger's (None: not compared)."""

    measure: str
    gpas: Number | None
    ledger: Number | None
    difference: Number | None


@dataclass(frozen=True)
class Compared:
    """One (UTC date, provider, game, currency) in GPAS's report beside the ledger's.

    ``state``: MATCH; DIFFERS (a figure differs, or only one side has the row); GONE (Redis no
    longer keeps the day's counters, so GPAS's side is not there to compare); UNCHECKED (a side
    could not answer).
    """

    date: str
    provider_code: str
    game_id: str
    game_name: str
    currency: str
    state: str
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class CurrencyTotal:
    """A currency's totals on each side; the difference over the rows both sides could hold."""

    currency: str
    differs: bool
    figures: tuple[Figure, ...]


def compare(gpas: list[ReconciliationRow] | None, ledger: list[ReconciliationRow] | None,
            redis_holds: Callable[[str], bool]) -> list[Compared]:
    """Set the two reports side by side, row by row, in the report's order; ``None`` is a side
    that could not answer; ``redis_holds(day)`` tells whether Redis still keeps a day."""
    by_side = [{_key(row): row for row in side} if side is not None else None
               for side in (gpas, ledger)]
    keys = sorted({key for side in by_side if side is not None for key in side})
    return [_compared(key, by_side[0], by_side[1], redis_holds(key[0])) for key in keys]


def totals(rows: list[Compared]) -> list[CurrencyTotal]:
    """Return each currency's totals, currencies in alphabetical order."""
    found = []
    for currency in sorted({row.currency for row in rows}):
        mine = [row for row in rows if row.currency == currency]
        figures = tuple(Figure(measure, _sum(row.figures[n].gpas for row in mine),
                               _sum(row.figures[n].ledger for row in mine),
                               _sum(row.figures[n].difference for row in mine))
                        for n, measure in enumerate(MEASURES))
        found.append(CurrencyTotal(currency, any(r.state == DIFFERS for r in mine), figures))
    return found


def _key(row: ReconciliationRow) -> tuple[str, str, str, str]:
    return row.date, row.provider_code, row.game_id, row.currency


def _compared(key: tuple[str, str, str, str], gpas: dict[Any, ReconciliationRow] | None,
              ledger: dict[Any, ReconciliationRow] | None, held: bool) -> Compared:
    mine, theirs = (gpas or {}).get(key), (ledger or {}).get(key)
    if gpas is None or ledger is None:
        state = UNCHECKED
    elif not held:
        state = GONE
    else:
        state = MATCH if mine is not None and mine == theirs else DIFFERS
    compared = state in (MATCH, DIFFERS)
    figures = tuple(Figure(m, _value(mine, m), _value(theirs, m),
                           _difference(mine, theirs, m) if compared else None)
                    for m in MEASURES)
    named = mine or theirs
    assert named is not None  # every key comes from one side's rows
    return Compared(*key[:3], named.game_name, key[3], state, figures)


def _value(row: ReconciliationRow | None, measure: str) -> Number | None:
    return None if row is None else getattr(row, measure)


def _difference(mine: ReconciliationRow | None, theirs: ReconciliationRow | None,
                measure: str) -> Number:
    # A side without the row counts nothing: what the other counted is the whole difference.
    left, right = _value(mine, measure), _value(theirs, measure)
    return (left if left is not None else 0) - (right if right is not None else 0)


def _sum(values: Iterable[Number | None]) -> Number | None:
    present = [value for value in values if value is not None]
    return sum(present[1:], present[0]) if present else None
