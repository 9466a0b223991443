"""Operators, their roles and their API tokens, managed by admins (and one's own tokens by
oneself); the rules are walletsvc/access/administration.py's."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from walletsvc.access import roles
from walletsvc.access.administration import OperatorAdmin
from walletsvc.access.directory import Operator
from walletsvc.access.guard import acting, guarded, note
from walletsvc.access.roles import parse_roles
from walletsvc.api.contract import contract
from walletsvc.errors import ResourceNotFound
from walletsvc.presenters.access import api_token_view, operator_view
from walletsvc.schemas.access import (
    ApiTokenListSchema,
    ApiTokenSchema,
    NewApiTokenSchema,
    OperatorCreateRequestSchema,
    OperatorListSchema,
    OperatorSchema,
    ReasonRequestSchema,
    RolesRequestSchema,
    TokenRequestSchema,
)

bp = Blueprint("operators", __name__, url_prefix="/admin")


def admin() -> OperatorAdmin:
    """Return the rules of managing operators, applied to the operator acting."""
    return OperatorAdmin(acting().directory, acting().operator)


def find_operator(operator_id: str) -> Operator:
    """Return the operator ``operator_id``; 404 if there is none."""
    found = acting().directory.get(operator_id)
    if found is None:
        raise ResourceNotFound(f"no operator {operator_id}")
    return found


@bp.get("/me")
@guarded(roles.ANY_OPERATOR, "operator.me")
@contract(answer=OperatorSchema, description="The operator calling")
def me() -> dict[str, Any]:
    """Return the operator the token or session belongs to."""
    return operator_view(acting().operator)


@bp.get("/me/tokens")
@guarded(roles.ANY_OPERATOR, "token.list-own")
@contract(answer=ApiTokenListSchema, description="Your API tokens, newest first")
def my_tokens() -> dict[str, Any]:
    """List one's own API tokens."""
    return {"tokens": [api_token_view(t) for t in acting().directory.tokens(acting().operator)]}


@bp.post("/me/tokens")
@guarded(roles.ANY_OPERATOR, "token.issue-own")
@contract(body=TokenRequestSchema, answer=NewApiTokenSchema, status=201,
          description="The new token; its secret is shown this once")
def issue_my_token(body: dict[str, Any]) -> dict[str, Any]:
    """Make an API token for oneself (the CLI, a script of one's own)."""
    made = issue(acting().operator, body)
    note(target=f"token:{made['tokenId']}")
    return made


def issue(owner: Operator, body: dict[str, Any]) -> dict[str, Any]:
    """Make the API token a TokenRequestSchema ``body`` asks for ``owner`` (by the rules of
    OperatorAdmin); note it in the audit entry, never its secret; return it with its secret."""
    secret, token = admin().issue_token(owner, body["name"], body["days"])
    note(after=api_token_view(token))
    return api_token_view(token, secret)


@bp.get("/operators")
@guarded(roles.MANAGE_OPERATORS, "operator.list")
@contract(answer=OperatorListSchema, description="Every operator, by name")
def list_operators() -> dict[str, Any]:
    """List every operator."""
    return {"operators": [operator_view(o) for o in acting().directory.all()]}


@bp.post("/operators")
@guarded(roles.MANAGE_OPERATORS, "operator.create")
@contract(body=OperatorCreateRequestSchema, answer=OperatorSchema, status=201,
          errors=(409,), description="The new operator")
def create_operator(body: dict[str, Any]) -> dict[str, Any]:
    """Add a person or a service account with roles the admin holds."""
    return add_operator(body)


def add_operator(body: dict[str, Any]) -> dict[str, Any]:
    """Add the operator an OperatorCreateRequestSchema ``body`` describes (by the rules of
    OperatorAdmin); note it in the audit entry; return it."""
    created = admin().create(body["name"], "service" if body["kind"] == "SERVICE" else "person",
                             parse_roles(body["roles"]), body["email"], body["oidcSubject"])
    view = operator_view(created)
    note(target=f"operator:{created.id}", after=view)
    return view


@bp.get("/operators/<operator_id>")
@guarded(roles.MANAGE_OPERATORS, "operator.view", "operator_id")
@contract(answer=OperatorSchema, errors=(404,), description="The operator")
def get_operator(operator_id: str) -> dict[str, Any]:
    """Return one operator."""
    return operator_view(find_operator(operator_id))


@bp.put("/operators/<operator_id>/roles")
@guarded(roles.MANAGE_OPERATORS, "operator.roles", "operator_id")
@contract(body=RolesRequestSchema, answer=OperatorSchema, errors=(404,),
          description="The operator with the new roles")
def set_roles(body: dict[str, Any], operator_id: str) -> dict[str, Any]:
    """Replace an operator's roles (another admin's; only roles the admin holds)."""
    target = find_operator(operator_id)
    changed = admin().set_roles(target, parse_roles(body["roles"]))
    note(before={"roles": sorted(target.roles)}, after={"roles": sorted(changed.roles)})
    return operator_view(changed)


def _set_disabled(operator_id: str, disabled: bool) -> dict[str, Any]:
    target = find_operator(operator_id)
    changed = admin().set_disabled(target, disabled)
    note(before={"disabled": target.disabled}, after={"disabled": changed.disabled})
    return operator_view(changed)


@bp.post("/operators/<operator_id>/disable")
@guarded(roles.MANAGE_OPERATORS, "operator.disable", "operator_id")
@contract(body=ReasonRequestSchema, answer=OperatorSchema, errors=(404,),
          description="The operator, disabled: no sign-in, no token works")
def disable(body: dict[str, Any], operator_id: str) -> dict[str, Any]:
    """Disable an operator."""
    return _set_disabled(operator_id, True)


@bp.post("/operators/<operator_id>/enable")
@guarded(roles.MANAGE_OPERATORS, "operator.enable", "operator_id")
@contract(body=ReasonRequestSchema, answer=OperatorSchema, errors=(404,),
          description="The operator, enabled")
def enable(body: dict[str, Any], operator_id: str) -> dict[str, Any]:
    """Enable a disabled operator."""
    return _set_disabled(operator_id, False)


@bp.get("/operators/<operator_id>/tokens")
@guarded(roles.MANAGE_OPERATORS, "token.list", "operator_id")
@contract(answer=ApiTokenListSchema, errors=(404,), description="The operator's tokens")
def list_tokens(operator_id: str) -> dict[str, Any]:
    """List an operator's API tokens."""
    return {"tokens": [api_token_view(t)
                       for t in acting().directory.tokens(find_operator(operator_id))]}


@bp.post("/operators/<operator_id>/tokens")
@guarded(roles.MANAGE_OPERATORS, "token.issue", "operator_id")
@contract(body=TokenRequestSchema, answer=NewApiTokenSchema, status=201, errors=(404,),
          description="The service account's new token; its secret is shown this once")
def issue_token(body: dict[str, Any], operator_id: str) -> dict[str, Any]:
    """Make an API token for a service account."""
    return issue(find_operator(operator_id), body)


@bp.post("/tokens/<token_id>/revoke")
@guarded(roles.ANY_OPERATOR, "token.revoke", "token_id")
@contract(body=ReasonRequestSchema, answer=ApiTokenSchema, errors=(409,),
          description="The token, revoked")
def revoke_token(body: dict[str, Any], token_id: str) -> dict[str, Any]:
    """Revoke a token: one's own, or anyone's by an admin."""
    return api_token_view(admin().revoke_token(token_id))
