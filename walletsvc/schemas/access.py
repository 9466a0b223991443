"""Requests and answers of the operators' side: operators, roles, API tokens, the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.access.roles import Role
from walletsvc.schemas.fields import text
from walletsvc.schemas.ledger import FORMATS

_ROLES = fields.List(fields.String(validate=validate.OneOf(list(Role))), required=True,
                     metadata={"description": "any of: " + ", ".join(Role)})
_REASON = text(500, metadata={"description": "why (the audit log keeps it)"})


class OperatorCreateRequestSchema(Schema):
    """Body of ``POST /admin/operators``."""

    name = text(100)
    kind = fields.String(required=True, validate=validate.OneOf(["PERSON", "SERVICE"]))
    roles = _ROLES
    email = fields.Email(load_default=None, allow_none=True)
    oidcSubject = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=300), metadata={"description": "the identity provider's issuer and subject, "
                                           "as issuer|sub"})
    reason = _REASON


class RolesRequestSchema(Schema):
    """Body of ``PUT /admin/operators/{operatorId}/roles``: the whole new set."""

    roles = _ROLES
    reason = _REASON


class ReasonRequestSchema(Schema):
    """Body of a change that only needs its reason."""

    reason = _REASON


class TokenRequestSchema(Schema):
    """Body of a new API token."""

    name = text(100)
    days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=366))


class OperatorSchema(Schema):
    """An operator."""

    operatorId = fields.String()
    name = fields.String()
    kind = fields.String()
    roles = fields.List(fields.String())
    email = fields.String(allow_none=True)
    oidcSubject = fields.String(allow_none=True)
    localSignIn = fields.Boolean()
    disabled = fields.Boolean()
    created = fields.String(allow_none=True)


class OperatorListSchema(Schema):
    """Every operator."""

    operators = fields.List(fields.Nested(OperatorSchema))


class ApiTokenSchema(Schema):
    """An API token as listed (never its secret)."""

    tokenId = fields.String()
    operatorId = fields.String()
    name = fields.String()
    created = fields.String()
    expires = fields.String()
    revoked = fields.Boolean()
    lastUsed = fields.String(allow_none=True)


class NewApiTokenSchema(ApiTokenSchema):
    """A token just made: its secret is shown this once."""

    token = fields.String()


class ApiTokenListSchema(Schema):
    """An operator's tokens."""

    tokens = fields.List(fields.Nested(ApiTokenSchema))


class AuditQuerySchema(Schema):
    """Filters of ``GET /admin/audit``."""

    actor = fields.String(load_default=None, metadata={"description": "an operator's id"})
    action = fields.String(load_default=None)
    target = fields.String(load_default=None, metadata={"description": "e.g. wallet:W1"})
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)
    after = fields.Integer(load_default=0, validate=validate.Range(min=0), metadata={
        "description": "entries numbered above this one (the last page's last number)"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class OperatorAuditEntrySchema(Schema):
    """One entry of the operators' audit log."""

    seq = fields.Integer()
    at = fields.String()
    actor = fields.String()
    actorName = fields.String()
    roles = fields.String(metadata={"description": "space-separated"})
    address = fields.String()
    requestId = fields.String()
    action = fields.String()
    target = fields.String()
    outcome = fields.Integer()
    reason = fields.String()
    before = fields.String(allow_none=True, metadata={"description": "JSON"})
    after = fields.String(allow_none=True, metadata={"description": "JSON"})
    hash = fields.String()


class OperatorAuditPageSchema(Schema):
    """A page of the audit log, oldest first."""

    entries = fields.List(fields.Nested(OperatorAuditEntrySchema))
    next = fields.Integer(allow_none=True, metadata={"description": "``after`` of the next page"})


class AuditVerificationSchema(Schema):
    """What a walk of the whole chain found."""

    entries = fields.Integer()
    headSeq = fields.Integer()
    headHash = fields.String()
    ok = fields.Boolean()
    problems = fields.List(fields.String())
