"""GPAS's reconciliation rows set beside the ledger's (walletsvc/domain/reconciliation.py)."""

from __future__ import annotations

from decimal import Decimal

from walletsvc.domain.reconciliation import (
    DIFFERS,
    GONE,
    MATCH,
    UNCHECKED,
    ReconciliationRow,
    compare,
    totals,
)


def row(day: str, game: str, bet: str, bets: int = 1) -> ReconciliationRow:
    amount = Decimal(bet)
    return ReconciliationRow(day, "AGT", game, game, "BRL", amount, Decimal("0.00"),
                             Decimal("0.00"), Decimal("0.00"), amount, bets, 0, 0)


def test_equal_rows_match_and_a_row_only_the_ledger_has_differs_by_all_of_it() -> None:
    gpas = [row("2026-09-21", "a", "5.00")]
    ledger = [row("2026-09-21", "a", "5.00"), row("2026-09-21", "b", "2.50")]

    found = compare(gpas, ledger, lambda day: True)

    assert [(r.game_id, r.state) for r in found] == [("a", MATCH), ("b", DIFFERS)]
    assert found[1].figures[0].gpas is None
    assert found[1].figures[0].difference == Decimal("-2.50")
    assert found[1].figures[5].difference == -1


def test_a_day_redis_no_longer_keeps_is_gone_and_left_out_of_the_totals_difference() -> None:
    gpas = [row("2026-09-21", "a", "5.00", bets=2)]
    ledger = [row("2026-05-01", "a", "7.00"), row("2026-09-21", "a", "4.00")]

    found = compare(gpas, ledger, lambda day: day >= "2026-06-01")
    [total] = totals(found)

    assert [r.state for r in found] == [GONE, DIFFERS]
    assert found[0].figures[0].difference is None
    assert (total.differs, total.figures[0].gpas, total.figures[0].ledger) == (
        True, Decimal("5.00"), Decimal("11.00"))
    assert total.figures[0].difference == Decimal("1.00")  # the day both hold only
    assert total.figures[5].difference == 1


def test_a_side_that_could_not_answer_leaves_every_row_unchecked() -> None:
    ledger = [row("2026-09-21", "a", "5.00")]

    found = compare(None, ledger, lambda day: True)

    assert [r.state for r in found] == [UNCHECKED]
    assert [f.difference for f in found[0].figures] == [None] * 8
    assert totals(found)[0].differs is False
