"""The daily reconciliation report GPAS asks for (docs/gpas-contract.md, "Reconciliation")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

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
