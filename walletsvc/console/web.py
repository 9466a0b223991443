"""What every console page shares: the blueprint, its security headers, the signed-in
operator with their navigation and CSRF token, and refusals shown as pages.

The pages allow no inline script or style (the Content-Security-Policy below): htmx and the
stylesheet are the console's own static files, and htmx is told not to add a style of its own
or to evaluate anything (templates/console/base.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.directory import Operator
from walletsvc.access.guard import acting, note
from walletsvc.context import current_request
from walletsvc.errors import (
    FreshSignInRequired,
    InvalidRequest,
    OperatorUnknown,
    WalletError,
    error_response,
)
from walletsvc.schemas.access import ReasonRequestSchema
from walletsvc.signin import session as signin_session

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static")

POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@dataclass(frozen=True)
class Place:
    """A page of the navigation and the roles that see it."""

    endpoint: str
    label: Any  # a lazy string: translated when the page is rendered
    roles: frozenset[roles.Role]


PLACES = (
    Place("console.home", _l("Home"), roles.ANY_OPERATOR),
    Place("console.search", _l("Find a player"), roles.READ_PLAYER),
    Place("console.queue", _l("Money requests"), roles.ASK_MONEY | roles.APPROVE_MONEY),
    Place("console.reconciliation", _l("Reconciliation"), roles.REPORTS),
    Place("console.ledger_health", _l("Ledger health"), roles.REPORTS | roles.READ_AUDIT),
    Place("console.audit", _l("Audit log"), roles.READ_AUDIT),
    Place("console.operators", _l("Operators"), roles.MANAGE_OPERATORS),
    Place("console.my_tokens", _l("My tokens"), roles.ANY_OPERATOR),
)


def navigation(operator: Operator) -> list[Place]:
    """Return the places ``operator``'s roles may open, in the navigation's order."""
    return [place for place in PLACES if operator.holds(place.roles)]


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a console page for the operator of this (guarded) request."""
    operator = acting().operator
    return render_template(template, operator=operator, nav=navigation(operator),
                           csrf_token=csrf_token(operator), **context), status


def csrf_token(operator: Operator) -> str:
    """Return the session's CSRF token for the page's forms (none for an API token)."""
    if session.get(signin_session.SESSION_OPERATOR) != operator.id:
        return ""
    return signin_session.current(operator).csrf_token


def note_reason(written: str) -> None:
    """Read a form's reason with the admin API's schema and note it; 400 when none is given."""
    try:
        loaded = ReasonRequestSchema().load({"reason": written.strip()})
    except ValidationError:
        raise InvalidRequest("say why") from None
    note(reason=str(loaded["reason"]))


def shown_on_the_form(refusal: WalletError) -> WalletError:
    """Return a refusal to show on the page of the form that was sent, with what the work
    wrote rolled back; a program with an API token gets the API's answer instead."""
    if "Authorization" in current_request().headers:
        raise refusal
    acting().conn.rollback()
    return refusal


def from_htmx() -> bool:
    """Tell whether htmx asked (it wants a part of a page, not a whole one)."""
    return current_request().headers.get("HX-Request") == "true"


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if current_request().endpoint != "console.static":
        # Pages hold players' data and the session's CSRF token: no cache keeps them.
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


@bp.errorhandler(WalletError)
def _refused(error: WalletError) -> Response | BaseResponse | tuple[str, int]:
    """Show a refusal as a page; send a person whose session is over to sign in again."""
    request = current_request()
    if "Authorization" in request.headers:
        return error_response(error)  # a program with an API token gets the API's answer
    if isinstance(error, OperatorUnknown | FreshSignInRequired):
        again = "1" if isinstance(error, FreshSignInRequired) else None
        back = url_for("console.signin_page", next=_return_to(), again=again)
        if from_htmx():
            answer = Response(status=204)
            answer.headers["HX-Redirect"] = back
            return answer
        return redirect(back)
    status, _, kind = error.answer()
    return render_template("console/refused.html", error=error, kind=kind), status


def _return_to() -> str:
    """Return the page to come back to after signing in: the one asked for, or, after a form,
    the page the form was on."""
    request = current_request()
    if request.method == "GET":
        return request.full_path.rstrip("?")
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/console/"):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return url_for("console.home")
