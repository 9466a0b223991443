"""Money requests in the console: the form a finance person asks with, and the queue another
approves or rejects from (walletsvc/approvals, docs/money-requests.md).

The pages record the admin API's audit actions (``money.request``, ``money.approve``...). An
approval also needs a sign-in at most WALLETSVC_APPROVAL_SIGNIN_MINUTES old: whoever left a
signed-in browser behind cannot have money moved from it by the next person.
"""

from __future__ import annotations

from typing import Any, cast

from flask import redirect, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.approvals import READ_REQUESTS, ask_for, noting, open_desk
from walletsvc.approvals.rules import KINDS, REASON_CODES, STATES
from walletsvc.console.locale import amount_hint, read_amount
from walletsvc.console.web import bp, page
from walletsvc.context import current_request
from walletsvc.errors import FreshSignInRequired, InvalidRequest
from walletsvc.presenters.approvals import request_page_view
from walletsvc.schemas.approvals import (
    MoneyRequestCreateRequestSchema,
    MoneyRequestRejectRequestSchema,
)
from walletsvc.services import services
from walletsvc.signin.session import recently_signed_in

QUEUE_LENGTH = 50
_FIELDS = ("walletId", "kind", "subWallet", "amount", "reasonCode", "note", "ticket")


@bp.get("/money-requests")
@guarded(READ_REQUESTS, "money.request.list")
def queue() -> tuple[str, int]:
    """List money requests, pending first by default, with their approve and reject forms."""
    state = current_request().args.get("state", "pending")
    state = state if state in STATES or state == "all" else "pending"
    desk = open_desk()
    found, _ = desk.page(None if state == "all" else state,  # type: ignore[arg-type]
                         None, None, QUEUE_LENGTH)
    shown = request_page_view(found, None, desk.now(), services().currencies)["requests"]
    operator = acting().operator
    return page("console/money_queue.html", requests=shown, state=state, states=(*STATES, "all"),
                may_ask=operator.holds(roles.ASK_MONEY),
                may_decide=operator.holds(roles.APPROVE_MONEY),
                me=operator.name, done=current_request().args.get("done", ""))


@bp.get("/money-requests/new")
@guarded(roles.ASK_MONEY, "console.money-request.form")
def ask_form() -> tuple[str, int]:
    """Show the form that asks for a deposit, withdrawal or correction."""
    asked = {"walletId": current_request().args.get("walletId", "")}
    return _ask_page(asked, {})


@bp.post("/money-requests")
@guarded(roles.ASK_MONEY, "money.request")
def ask() -> BaseResponse | tuple[str, int]:
    """Ask for the movement the form describes; another operator approves it."""
    sent = {name: current_request().form.get(name, "").strip() for name in _FIELDS}
    amount = read_amount(sent["amount"])
    if amount is None:
        return _ask_page(sent, {"amount": [amount_hint()]}, 400)
    try:
        body = MoneyRequestCreateRequestSchema().load({**sent, "amount": str(amount)})
    except ValidationError as exc:
        return _ask_page(sent, cast(dict[str, Any], exc.messages), 400)
    made = ask_for(open_desk(), body)
    return redirect(url_for("console.queue", done=made.id), 303)


@bp.post("/money-requests/<money_request_id>/approve")
@guarded(roles.APPROVE_MONEY, "money.approve", "money_request_id")
def approve(money_request_id: str) -> BaseResponse:
    """Approve a request someone else made, after a recent sign-in; its money moves once."""
    minutes = services().config.approval_signin_minutes
    if not recently_signed_in(minutes * 60):
        note(reason=f"the sign-in is older than {minutes} minutes")
        raise FreshSignInRequired(f"you signed in more than {minutes} minutes ago")
    desk = open_desk()
    words = current_request().form.get("reason", "").strip()[:500]
    with noting(desk):
        desk.approve(acting().operator, money_request_id, words or None)
    return redirect(url_for("console.queue", done=money_request_id), 303)


@bp.post("/money-requests/<money_request_id>/reject")
@guarded(roles.APPROVE_MONEY, "money.reject", "money_request_id")
def reject(money_request_id: str) -> BaseResponse:
    """Reject a request someone else made, saying why; nothing moves."""
    try:
        body = MoneyRequestRejectRequestSchema().load(
            {"reason": current_request().form.get("reason", "").strip()})
    except ValidationError:
        raise InvalidRequest("say why the request is rejected") from None
    desk = open_desk()
    note(reason=body["reason"])
    with noting(desk):
        desk.reject(acting().operator, money_request_id, body["reason"])
    return redirect(url_for("console.queue", done=money_request_id), 303)


def _ask_page(asked: dict[str, str], problems: dict[str, Any], status: int = 200
              ) -> tuple[str, int]:
    return page("console/money_ask.html", status, asked=asked, problems=problems,
                kinds=[kind.upper() for kind in KINDS], reason_codes=REASON_CODES)
