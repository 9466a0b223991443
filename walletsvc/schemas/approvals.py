"""Requests and answers of the money requests (four eyes on manual money,
walletsvc/approvals)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.approvals.rules import KINDS, REASON_CODES, STATES
from walletsvc.schemas.admin import WalletSchema
from walletsvc.schemas.fields import Money, reference, text

_UPPER_KINDS = [kind.upper() for kind in KINDS]
_UPPER_STATES = [state.upper() for state in STATES]


class MoneyRequestCreateRequestSchema(Schema):
    """Body of ``POST /admin/money-requests``: what to move, where, and why."""

    walletId = text(64)
    kind = fields.String(required=True, validate=validate.OneOf(_UPPER_KINDS))
    subWallet = fields.String(required=True, validate=validate.OneOf(["REAL", "BONUS"]))
    amount = Money(required=True, signed=True, metadata={
        "description": "positive for a deposit or a withdrawal; a correction adds a positive "
                       "amount and takes a negative one; never zero"})
    reasonCode = fields.String(required=True, validate=validate.OneOf(REASON_CODES))
    note = text(2000, metadata={"description": "what happened, for the approver and the audit"})
    ticket = reference()


class MoneyRequestQuerySchema(Schema):
    """Query of the listing of money requests."""

    state = fields.String(validate=validate.OneOf(_UPPER_STATES))
    walletId = text(64, required=False)
    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}\Z"))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MoneyRequestApproveRequestSchema(Schema):
    """Body of an approval: optionally, the approver's words."""

    reason = text(500, required=False)


class MoneyRequestRejectRequestSchema(Schema):
    """Body of a rejection: why."""

    reason = text(500)


class MoneyRequestSchema(Schema):
    """A money request; ``state`` as of now (a pending one past its expiry is EXPIRED)."""

    id = fields.String()
    kind = fields.String()
    walletId = fields.String()
    subWallet = fields.String()
    amount = Money(dump_only=True)
    currency = fields.String()
    reasonCode = fields.String()
    note = fields.String()
    ticket = fields.String()
    maker = fields.String()
    createdAt = fields.String()
    expiresAt = fields.String()
    state = fields.String()
    checker = fields.String(allow_none=True)
    decidedAt = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    reference = fields.String()
    movementId = fields.String(allow_none=True)


class MoneyRequestPageSchema(Schema):
    """A page of money requests, newest first."""

    requests = fields.List(fields.Nested(MoneyRequestSchema))
    nextCursor = fields.String(allow_none=True)


class ApprovalSchema(Schema):
    """An approved request, whether its movement was a replay, and the wallet after it."""

    request = fields.Nested(MoneyRequestSchema)
    replayed = fields.Boolean()
    wallet = fields.Nested(WalletSchema)
