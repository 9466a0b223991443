"""GPAS's answers: balances, movement results and the reconciliation report (exactly the shape
the answer schemas declare: tests/api/test_answers_unchanged.py holds each to its schema)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from walletsvc.domain.gpas import Moved
from walletsvc.domain.reconciliation import ReconciliationRow
from walletsvc.models import Balance
from walletsvc.money import from_minor


def reconciliation_rows(rows: Sequence[ReconciliationRow]) -> list[dict[str, Any]]:
    """Return report rows as the dictionaries the answer is made of (their fields, in order)."""
    return [dataclasses.asdict(row) for row in rows]


def balance_tree(code: str, balance: Balance, scale: int) -> dict[str, Any]:
    """Return the GPAS balance node ``code``: the wallet total over its REAL and BONUS leaves,
    at the currency's ``scale``."""
    return {
        "code": code,
        "leftBalance": from_minor(balance.total, scale),
        "subWalletsSummary": [
            {"code": "REAL", "leftBalance": from_minor(balance.real, scale),
             "subWalletsSummary": None},
            {"code": "BONUS", "leftBalance": from_minor(balance.bonus, scale),
             "subWalletsSummary": None},
        ],
    }


def movement_result(moved: Moved, code: str, scale: int) -> dict[str, Any]:
    """Return the GPAS movement result, balances at the currency's ``scale``."""
    applied = moved.applied
    tree = balance_tree(code, applied.balance, scale)
    return {
        "status": "OK",
        "movementId": applied.movement_id,
        "leftBalance": tree["leftBalance"],
        "amountBonus": from_minor(applied.bonus_part, scale),
        "subWalletsSummary": tree["subWalletsSummary"],
    }
