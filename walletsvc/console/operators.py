"""The operators' pages (admins): every operator with their roles; a person or a service
account added; roles changed; an operator disabled or enabled; an operator's API tokens listed,
a service account's made and any revoked (walletsvc/console/tokens.py shows them), all by the
rules of walletsvc/access/administration.py.

They record the admin API's actions (``operator.list``, ``operator.create``, ``operator.roles``,
``token.list``, ``token.issue``...) and call the same code as its routes
(walletsvc/api/operators.py). A change the rules refuse (a role the admin does not hold, a name
taken) is said on the form's page and changes nothing.
"""

from __future__ import annotations

from typing import Any, cast

from flask import redirect, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.access.roles import SERVICE_ONLY, Role, parse_roles
from walletsvc.api.operators import add_operator, admin, find_operator
from walletsvc.console.tokens import issue_from_form, tokens_page
from walletsvc.console.web import bp, note_reason, page, shown_on_the_form
from walletsvc.context import current_request
from walletsvc.errors import InvalidRequest, OperatorChangeRefused, OperatorConflict
from walletsvc.presenters.access import operator_view
from walletsvc.schemas.access import OperatorCreateRequestSchema

Page = tuple[str, int]
_ASKED: dict[str, Any] = {"name": "", "kind": "PERSON", "email": "", "oidcSubject": "",
                          "roles": [], "reason": ""}


@bp.get("/operators")
@guarded(roles.MANAGE_OPERATORS, "operator.list")
def operators() -> Page:
    """List every operator with their roles and how they sign in, and the form that adds one."""
    return _operators_page()


@bp.post("/operators")
@guarded(roles.MANAGE_OPERATORS, "operator.create")
def create() -> BaseResponse | Page:
    """Add the person or service account the form describes, with roles the admin holds."""
    form = current_request().form
    asked: dict[str, Any] = {name: form.get(name, "").strip() for name in _ASKED
                             if name != "roles"}
    asked["roles"] = form.getlist("roles")
    try:
        body = OperatorCreateRequestSchema().load({
            **asked, "email": asked["email"] or None,
            "oidcSubject": asked["oidcSubject"] or None})
    except ValidationError as exc:
        return _operators_page(400, asked=asked, problems=cast(dict[str, Any], exc.messages))
    note(reason=body["reason"])
    try:
        added = add_operator(body)
    except (OperatorChangeRefused, OperatorConflict) as exc:
        refusal = shown_on_the_form(exc)
        return _operators_page(refusal.status, asked=asked, refusal=refusal)
    return redirect(url_for("console.operators", added=added["operatorId"]), 303)


@bp.post("/operators/<operator_id>/roles")
@guarded(roles.MANAGE_OPERATORS, "operator.roles", "operator_id")
def set_roles(operator_id: str) -> BaseResponse:
    """Replace an operator's roles with the boxes ticked (only roles the admin holds)."""
    form = current_request().form
    try:
        granted = parse_roles(form.getlist("roles"))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from None
    note_reason(form.get("reason", ""))
    target = find_operator(operator_id)
    changed = admin().set_roles(target, granted)
    note(before={"roles": sorted(target.roles)}, after={"roles": sorted(changed.roles)})
    return redirect(url_for("console.operators"), 303)


@bp.post("/operators/<operator_id>/disable")
@guarded(roles.MANAGE_OPERATORS, "operator.disable", "operator_id")
def disable(operator_id: str) -> BaseResponse:
    """Disable an operator: no sign-in, no token works."""
    return _set_disabled(operator_id, True)


@bp.post("/operators/<operator_id>/enable")
@guarded(roles.MANAGE_OPERATORS, "operator.enable", "operator_id")
def enable(operator_id: str) -> BaseResponse:
    """Enable a disabled operator."""
    return _set_disabled(operator_id, False)


@bp.get("/operators/<operator_id>/tokens")
@guarded(roles.MANAGE_OPERATORS, "token.list", "operator_id")
def operator_tokens(operator_id: str) -> Page:
    """List an operator's API tokens, each with its revoke form; a service account's with the
    form that makes one."""
    return tokens_page(find_operator(operator_id), own_page=False)


@bp.post("/operators/<operator_id>/tokens")
@guarded(roles.MANAGE_OPERATORS, "token.issue", "operator_id")
def issue_token(operator_id: str) -> Page:
    """Make an API token for a service account and show its secret this once."""
    shown, _ = issue_from_form(find_operator(operator_id), own_page=False)
    return shown


def _set_disabled(operator_id: str, disabled: bool) -> BaseResponse:
    note_reason(current_request().form.get("reason", ""))
    target = find_operator(operator_id)
    changed = admin().set_disabled(target, disabled)
    note(before={"disabled": target.disabled}, after={"disabled": changed.disabled})
    return redirect(url_for("console.operators"), 303)


def _operators_page(status: int = 200, **shown: Any) -> Page:
    """Show the operators and the form that adds one, with what ``shown`` adds: the form as
    sent (``asked``), its ``problems``, a ``refusal``."""
    listed = [operator_view(o) for o in acting().directory.all()]
    added = current_request().args.get("added", "")
    actor = acting().operator
    return page("console/operators.html", status, operators=listed, all_roles=sorted(Role),
                grantable=sorted(actor.roles | SERVICE_ONLY), service_only=SERVICE_ONLY,
                me=actor.id, added=next((o for o in listed if o["operatorId"] == added), None),
                asked=shown.get("asked", _ASKED), problems=shown.get("problems", {}),
                refusal=shown.get("refusal"))
