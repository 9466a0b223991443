"""Money requests as the operator's API answers them and the audit log records them."""

from __future__ import annotations

from typing import Any

from walletsvc.approvals.desk import Approval, Seen
from walletsvc.approvals.requests import MoneyRequest
from walletsvc.clock import iso_utc
from walletsvc.money import Currencies
from walletsvc.presenters.operator import money, wallet_view


def request_view(request: MoneyRequest, now_ms: int, currencies: Currencies) -> dict[str, Any]:
    """Return a request, its state as of ``now_ms``."""
    decided = request.decided_ms
    return {
        "id": request.id,
        "kind": request.kind.upper(),
        "walletId": request.wallet_id,
        "subWallet": request.sub_wallet.upper(),
        "amount": money(request.amount, request.currency, currencies),
        "currency": request.currency,
        "reasonCode": request.reason_code,
        "note": request.note,
        "ticket": request.ticket,
        "maker": request.maker_name,
        "createdAt": iso_utc(request.created_ms),
        "expiresAt": iso_utc(request.expires_ms),
        "state": request.state(now_ms).upper(),
        "checker": request.checker_name,
        "decidedAt": iso_utc(decided) if decided is not None else None,
        "decision": request.decision,
        "reference": request.reference,
        "movementId": request.movement_id,
    }


def request_page_view(requests: list[MoneyRequest], next_cursor: int | None, now_ms: int,
                      currencies: Currencies) -> dict[str, Any]:
    """Return a page of requests and the cursor of the next one."""
    return {"requests": [request_view(r, now_ms, currencies) for r in requests],
            "nextCursor": str(next_cursor) if next_cursor is not None else None}


def approval_view(approval: Approval, now_ms: int, currencies: Currencies) -> dict[str, Any]:
    """Return an approved request, whether its movement was a replay, and the wallet after."""
    return {"request": request_view(approval.request, now_ms, currencies),
            "replayed": approval.applied.replayed,
            "wallet": wallet_view(approval.wallet, currencies)}


def seen_view(seen: Seen | None, now_ms: int, currencies: Currencies) -> dict[str, Any] | None:
    """Return a request and its wallet's balances as the audit log records them."""
    if seen is None:
        return None
    request, wallet = seen
    view: dict[str, Any] = {"request": request_view(request, now_ms, currencies)}
    if wallet is not None:
        view["balance"] = wallet_view(wallet, currencies)["balance"]
    return view
