"""Money requests: a person asks for a deposit, withdrawal or correction, another approves it.

Asking and deciding need finance or finance_lead; so does reading, which shows what each
request moves and who made and decided it (walletsvc/approvals, docs/money-requests.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.contract import contract
from walletsvc.approvals.desk import Desk
from walletsvc.approvals.requests import MoneyRequest
from walletsvc.approvals.rules import Rules
from walletsvc.models import SUB_WALLETS
from walletsvc.presenters.approvals import (
    approval_view,
    request_page_view,
    request_view,
    seen_view,
)
from walletsvc.schemas.approvals import (
    ApprovalSchema,
    MoneyRequestApproveRequestSchema,
    MoneyRequestCreateRequestSchema,
    MoneyRequestPageSchema,
    MoneyRequestQuerySchema,
    MoneyRequestRejectRequestSchema,
    MoneyRequestSchema,
)
from walletsvc.services import services

bp = Blueprint("approvals", __name__, url_prefix="/admin/money-requests")

READ_REQUESTS = roles.ASK_MONEY | roles.APPROVE_MONEY
_REQUEST = {"money_request_id": "$response.body#/id"}
_DECIDE_LINKS = {"GetMoneyRequest": ("approvals_get_request", _REQUEST),
                 "ApproveMoneyRequest": ("approvals_approve", _REQUEST),
                 "RejectMoneyRequest": ("approvals_reject", _REQUEST)}


def open_desk() -> Desk:
    """Return the money requests' desk over this guarded request's connection."""
    found = services()
    return Desk(acting().conn, found.operator, found.clock, found.currencies,
                Rules.of(found.config))


@contextmanager
def noting(desk: Desk) -> Iterator[None]:
    """Note in the audit entry what the desk saw and left, whether it succeeded or refused."""
    try:
        yield
    finally:
        now, currencies = desk.now(), services().currencies
        note(before=seen_view(desk.trail.before, now, currencies),
             after=seen_view(desk.trail.after, now, currencies))


@bp.post("")
@guarded(roles.ASK_MONEY, "money.request")
@contract(body=MoneyRequestCreateRequestSchema, answer=MoneyRequestSchema, status=201,
          errors=(403, 404), description="The request, pending", links=_DECIDE_LINKS)
def ask(body: dict[str, Any]) -> dict[str, Any]:
    """Ask for a deposit, withdrawal or correction that another operator approves."""
    desk = open_desk()
    return request_view(ask_for(desk, body), desk.now(), services().currencies)


def ask_for(desk: Desk, body: dict[str, Any]) -> MoneyRequest:
    """Ask, as this request's operator, for the movement ``body`` (the request schema's load)
    describes; record the wallet, then the request made, as the entry's target."""
    note(target=f"wallet:{body['walletId']}")
    with noting(desk):
        made = desk.ask(acting().operator, body["kind"].lower(), body["walletId"],
                        SUB_WALLETS[body["subWallet"]], body["amount"], body["reasonCode"],
                        body["note"], body["ticket"])
    note(target=f"money_request:{made.id}")
    return made


@bp.get("")
@guarded(READ_REQUESTS, "money.request.list")
@contract(query=MoneyRequestQuerySchema, answer=MoneyRequestPageSchema,
          description="Requests, newest first")
def list_requests(query: dict[str, Any]) -> dict[str, Any]:
    """List money requests, newest first, by state and wallet, a page at a time."""
    desk = open_desk()
    state = query.get("state")
    cursor = query.get("cursor")
    found, next_cursor = desk.page(state.lower() if state else None, query.get("walletId"),
                                   int(cursor) if cursor else None, query["limit"])
    return request_page_view(found, next_cursor, desk.now(), services().currencies)


@bp.get("/<money_request_id>")
@guarded(READ_REQUESTS, "money.request.view", "money_request_id")
@contract(answer=MoneyRequestSchema, description="The request")
def get_request(money_request_id: str) -> dict[str, Any]:
    """Return a money request."""
    desk = open_desk()
    return request_view(desk.get(money_request_id), desk.now(), services().currencies)


@bp.post("/<money_request_id>/approve")
@guarded(roles.APPROVE_MONEY, "money.approve", "money_request_id")
@contract(body=MoneyRequestApproveRequestSchema, answer=ApprovalSchema, errors=(403, 409),
          description="Approved and applied (a replay if an earlier approval applied it)")
def approve(body: dict[str, Any], money_request_id: str) -> dict[str, Any]:
    """Approve a pending request made by someone else, and move its money once."""
    desk = open_desk()
    with noting(desk):
        approval = desk.approve(acting().operator, money_request_id, body.get("reason"))
    return approval_view(approval, desk.now(), services().currencies)


@bp.post("/<money_request_id>/reject")
@guarded(roles.APPROVE_MONEY, "money.reject", "money_request_id")
@contract(body=MoneyRequestRejectRequestSchema, answer=MoneyRequestSchema, errors=(403, 409),
          description="The request, rejected: nothing moved")
def reject(body: dict[str, Any], money_request_id: str) -> dict[str, Any]:
    """Reject a pending request made by someone else; nothing moves."""
    desk = open_desk()
    with noting(desk):
        rejected = desk.reject(acting().operator, money_request_id, body["reason"])
    return request_view(rejected, desk.now(), services().currencies)
