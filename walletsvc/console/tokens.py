"""API tokens in the console: every operator's own (listed, made and revoked on "My tokens"),
and the page of an operator's tokens the admins open from the operators' page
(walletsvc/console/operators.py), which shares this one's table and form.

A token's secret is shown once, on the page that answers the form that made it: never in an
address or after a redirect, never in the audit log, and that page, like every console page, is
kept in no cache (``Cache-Control: no-store``, console/web.py). The pages record the admin API's
actions (``token.list-own``, ``token.issue-own``, ``token.revoke``) and call the same code as
its routes (walletsvc/api/operators.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from flask import redirect, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.directory import Operator, TokenInfo
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.operators import admin, issue
from walletsvc.console.web import bp, note_reason, page, shown_on_the_form
from walletsvc.context import current_request
from walletsvc.errors import OperatorChangeRefused, OperatorConflict
from walletsvc.presenters.access import api_token_view, operator_view
from walletsvc.schemas.access import TokenRequestSchema

Page = tuple[str, int]
_ASKED = {"name": "", "days": "90"}


@bp.get("/me/tokens")
@guarded(roles.ANY_OPERATOR, "token.list-own")
def my_tokens() -> Page:
    """List one's own API tokens, with the form that makes another."""
    return tokens_page(acting().operator, own_page=True)


@bp.post("/me/tokens")
@guarded(roles.ANY_OPERATOR, "token.issue-own")
def issue_my_token() -> Page:
    """Make an API token for oneself and show its secret this once."""
    shown, made = issue_from_form(acting().operator, own_page=True)
    if made is not None:
        note(target=f"token:{made['tokenId']}")
    return shown


@bp.post("/tokens/<token_id>/revoke")
@guarded(roles.ANY_OPERATOR, "token.revoke", "token_id")
def revoke(token_id: str) -> BaseResponse:
    """Revoke a token, saying why: one's own, or anyone's by an admin."""
    note_reason(current_request().form.get("reason", ""))
    revoked = admin().revoke_token(token_id)
    note(after=api_token_view(revoked))
    if revoked.operator_id == acting().operator.id:
        return redirect(url_for("console.my_tokens", revoked=revoked.id), 303)
    return redirect(url_for("console.operator_tokens", operator_id=revoked.operator_id,
                            revoked=revoked.id), 303)


def tokens_page(owner: Operator, own_page: bool, status: int = 200, **shown: Any) -> Page:
    """Show ``owner``'s tokens, newest first, and the form that makes one where it may, with
    what ``shown`` adds: the form as sent (``asked``), its ``problems``, a ``refusal``.
    ``own_page``: the page is one's own "My tokens", not an admin's page of an operator."""
    found = token_rows(acting().directory.tokens(owner))
    revoked = current_request().args.get("revoked", "")
    _, issue_to = _addresses(owner, own_page)
    return page("console/tokens.html", status, owner=operator_view(owner), own_page=own_page,
                tokens=found, issue_to=issue_to,
                revoked=next((t for t in found if t["tokenId"] == revoked), None),
                asked=shown.get("asked", _ASKED), problems=shown.get("problems", {}),
                refusal=shown.get("refusal"))


def issue_from_form(owner: Operator, own_page: bool) -> tuple[Page, dict[str, Any] | None]:
    """Make the token the form asks for ``owner``; return the page showing its secret this
    once, and the token. A form asking wrongly, or a refusal of the rules, shows the tokens'
    page again saying why, and makes nothing."""
    form = current_request().form
    asked = {"name": form.get("name", "").strip(), "days": form.get("days", "").strip()}
    try:
        body = TokenRequestSchema().load({name: value for name, value in asked.items()
                                          if value or name == "name"})  # no days: the default
    except ValidationError as exc:
        problems = cast(dict[str, Any], exc.messages)
        return tokens_page(owner, own_page, 400, asked=asked, problems=problems), None
    try:
        made = issue(owner, body)
    except (OperatorChangeRefused, OperatorConflict) as exc:
        refusal = shown_on_the_form(exc)
        return tokens_page(owner, own_page, refusal.status, asked=asked, refusal=refusal), None
    listed_at, _ = _addresses(owner, own_page)
    return page("console/token_made.html", 201, token=made, owner=operator_view(owner),
                own_page=own_page, back=listed_at), made


def _addresses(owner: Operator, own_page: bool) -> tuple[str, str | None]:
    """Return where ``owner``'s tokens are listed and where a new one is asked for (None: a
    person's tokens are their own to make, on their own page)."""
    if own_page:
        return url_for("console.my_tokens"), url_for("console.issue_my_token")
    listed_at = url_for("console.operator_tokens", operator_id=owner.id)
    if owner.kind == "service" or owner.id == acting().operator.id:
        return listed_at, url_for("console.issue_token", operator_id=owner.id)
    return listed_at, None


def token_rows(found: list[TokenInfo]) -> list[dict[str, Any]]:
    """Return tokens as the API lists them, each saying whether it has expired."""
    now = datetime.now(UTC)
    return [{**api_token_view(token), "expired": token.expires_at <= now} for token in found]
