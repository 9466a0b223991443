"""The operator's answers: wallets, adjustments, tokens, movements and sessions, for the admin
API and the CLI alike."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from walletsvc.clock import iso_utc
from walletsvc.domain.operator import IssuedToken, SessionStory
from walletsvc.models import Applied, AuditEntry, Page, Wallet
from walletsvc.money import Currencies, from_minor

# Audit fields that hold minor units, shown as decimals in the wallet's currency.
_AMOUNT_FIELDS = ("amount", "real", "bonus", "real_after", "bonus_after")


def money(minor: int, currency: str, currencies: Currencies) -> Decimal:
    """Return minor units of ``currency`` as an exact decimal at its scale."""
    return from_minor(minor, currencies.scale(currency))


def wallet_view(wallet: Wallet, currencies: Currencies) -> dict[str, Any]:
    """Return a wallet as the operator sees it."""
    balance, currency = wallet.balance, wallet.currency
    return {
        "walletId": wallet.wallet_id,
        "playerId": wallet.player_id,
        "currency": currency,
        "blocked": wallet.blocked,
        "created": iso_utc(wallet.created_ms),
        "balance": {"total": money(balance.total, currency, currencies),
                    "real": money(balance.real, currency, currencies),
                    "bonus": money(balance.bonus, currency, currencies)},
    }


def adjustment_view(applied: Applied, wallet: Wallet, currencies: Currencies
                    ) -> dict[str, Any]:
    """Return the answer to a deposit or withdrawal."""
    return {"movementId": applied.movement_id, "replayed": applied.replayed,
            "wallet": wallet_view(wallet, currencies)}


def token_view(issued: IssuedToken) -> dict[str, Any]:
    """Return an issued launch token."""
    return {"authToken": issued.token, "walletId": issued.wallet_id,
            "expiresAt": iso_utc(issued.expires_ms)}


def movement_page_view(page: Page, currency: str, currencies: Currencies) -> dict[str, Any]:
    """Return a page of a wallet's movements and the cursor of the next one."""
    return {"movements": [entry_view(e, currency, currencies) for e in page.entries],
            "nextCursor": page.next_cursor}


def entry_view(entry: AuditEntry, currency: str, currencies: Currencies) -> dict[str, Any]:
    """Return an audit entry with its time in ISO form and its amounts as decimals."""
    data: dict[str, Any] = dict(entry.fields)
    event = data.pop("event", "")
    time = iso_utc(int(data.pop("ts", "0")))
    for name in _AMOUNT_FIELDS:
        if name in data:
            data[name] = money(int(data[name]), data.get("currency", currency), currencies)
    return {"id": entry.entry_id, "event": event, "time": time, "data": data}


def session_view(story: SessionStory, with_entries: bool, currencies: Currencies
                 ) -> dict[str, Any]:
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
        entries = [entry_view(e, record["currency"], currencies) for e in story.entries]
        for entry in entries:
            rolled_back_by = story.rolled_back_by.get(entry["data"].get("ref", ""))
            if rolled_back_by:
                entry["data"]["rolledBackBy"] = rolled_back_by
        if story.expired_ms is not None:
            entries.append({"id": None, "event": "expired", "time": iso_utc(story.expired_ms),
                            "data": {}})
        view["entries"] = entries
    return view
