"""Turn domain records into the answers the API and the CLI write (the API's, exactly the shape
its answer schemas declare: tests/api/test_answers_unchanged.py holds each to its schema)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from walletsvc.clock import iso_utc
from walletsvc.domain.gpas import Moved
from walletsvc.domain.operator import IssuedToken, SessionStory
from walletsvc.domain.reconciliation import ReconciliationRow
from walletsvc.models import Applied, AuditEntry, Balance, Page, Wallet
from walletsvc.money import from_minor
from walletsvc.services import services

# Audit fields that hold minor units, shown as decimals in the wallet's currency.
_AMOUNT_FIELDS = ("amount", "real", "bonus", "real_after", "bonus_after")


def reconciliation_rows(rows: Sequence[ReconciliationRow]) -> list[dict[str, Any]]:
    """Return report rows as the dictionaries the answer is made of (their fields, in order)."""
    return [dataclasses.asdict(row) for row in rows]


def money(minor: int, currency: str) -> Decimal:
    """Return minor units of ``currency`` as an exact decimal at its scale."""
    return from_minor(minor, services().currencies.scale(currency))


def balance_tree(balance: Balance, currency: str) -> dict[str, Any]:
    """Return the GPAS balance node: the wallet total over its REAL and BONUS leaves."""
    known = services()
    scale = known.currencies.scale(currency)
    return _tree(known.config.wallet_code, balance, scale)


def _tree(code: str, balance: Balance, scale: int) -> dict[str, Any]:
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


def movement_result(moved: Moved) -> dict[str, Any]:
    """Return the GPAS movement result."""
    applied, known = moved.applied, services()
    scale = known.currencies.scale(moved.currency)
    tree = _tree(known.config.wallet_code, applied.balance, scale)
    return {
        "status": "OK",
        "movementId": applied.movement_id,
        "leftBalance": tree["leftBalance"],
        "amountBonus": from_minor(applied.bonus_part, scale),
        "subWalletsSummary": tree["subWalletsSummary"],
    }


def wallet_view(wallet: Wallet) -> dict[str, Any]:
    """Return a wallet as the operator sees it."""
    balance, currency = wallet.balance, wallet.currency
    return {
        "walletId": wallet.wallet_id,
        "playerId": wallet.player_id,
        "currency": currency,
        "blocked": wallet.blocked,
        "created": iso_utc(wallet.created_ms),
        "balance": {"total": money(balance.total, currency),
                    "real": money(balance.real, currency),
                    "bonus": money(balance.bonus, currency)},
    }


def adjustment_view(applied: Applied, wallet: Wallet) -> dict[str, Any]:
    """Return the answer to a deposit or withdrawal."""
    return {"movementId": applied.movement_id, "replayed": applied.replayed,
            "wallet": wallet_view(wallet)}


def token_view(issued: IssuedToken) -> dict[str, Any]:
    """Return an issued launch token."""
    return {"authToken": issued.token, "walletId": issued.wallet_id,
            "expiresAt": iso_utc(issued.expires_ms)}


def movement_page_view(page: Page, currency: str) -> dict[str, Any]:
    """Return a page of a wallet's movements and the cursor of the next one."""
    return {"movements": [entry_view(e, currency) for e in page.entries],
            "nextCursor": page.next_cursor}


def entry_view(entry: AuditEntry, currency: str) -> dict[str, Any]:
    """Return an audit entry with its time in ISO form and its amounts as decimals."""
    data: dict[str, Any] = dict(entry.fields)
    event = data.pop("event", "")
    time = iso_utc(int(data.pop("ts", "0")))
    for name in _AMOUNT_FIELDS:
        if name in data:
            data[name] = money(int(data[name]), data.get("currency", currency))
    return {"id": entry.entry_id, "event": event, "time": time, "data": data}


def session_view(story: SessionStory, with_entries: bool) -> dict[str, Any]:
    """Return a session record, with its story when asked."""
    record = story.record
    view: dict[str, Any] = {
        "id": story.session_id,
        "walletId": record["wallet"],
        "parentSystem": record["ps"],
        "status": story.status,
        "created": iso_utc(int(record["created"])),
        "lastActivity": iso_utc(int(record["last"])),
        "closed": iso_utc(int(record["closed"])) if "closed" in record else None,
    }
    if with_entries:
        entries = [entry_view(e, record["currency"]) for e in story.entries]
        for entry in entries:
            rolled_back_by = story.rolled_back_by.get(entry["data"].get("ref", ""))
            if rolled_back_by:
                entry["data"]["rolledBackBy"] = rolled_back_by
        if story.expired_ms is not None:
            entries.append({"id": None, "event": "expired", "time": iso_utc(story.expired_ms),
                            "data": {}})
        view["entries"] = entries
    return view
