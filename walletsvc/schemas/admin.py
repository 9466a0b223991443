"""Requests and answers of the operator's admin API (docs/gpas-contract.md, "The admin API")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.schemas.fields import Money, reference, text


class WalletCreateRequestSchema(Schema):
    """Body of ``POST /admin/wallets``."""

    walletId = text(64, required=False)
    playerId = text(100)
    currency = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{3}\Z"))


class AdjustmentRequestSchema(Schema):
    """Body of a deposit or withdrawal."""

    amount = Money(required=True)
    subWallet = fields.String(required=True, validate=validate.OneOf(["REAL", "BONUS"]))
    reference = reference()


class BlockRequestSchema(Schema):
    """Body of a block or an unblock: why (the audit log keeps it)."""

    reason = text(500, metadata={"description": "why: the player's request, a ticket, a rule"})


class LaunchTokenRequestSchema(Schema):
    """Body of ``POST /admin/launch-tokens``."""

    walletId = text(64)
    ttlSeconds = fields.Integer(strict=True, validate=validate.Range(min=1, max=86_400))


class PageQuerySchema(Schema):
    """Query of a paginated listing."""

    cursor = fields.String(validate=validate.Regexp(r"^[0-9]{1,20}-[0-9]{1,20}\Z"))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class SubBalancesSchema(Schema):
    """A wallet's balances."""

    total = Money(dump_only=True)
    real = Money(dump_only=True)
    bonus = Money(dump_only=True)


class WalletSchema(Schema):
    """A wallet as the operator sees it."""

    walletId = fields.String()
    playerId = fields.String()
    currency = fields.String()
    blocked = fields.Boolean()
    created = fields.String()
    balance = fields.Nested(SubBalancesSchema)


class AdjustmentResultSchema(Schema):
    """Answer to a deposit or withdrawal."""

    movementId = fields.String()
    replayed = fields.Boolean()
    wallet = fields.Nested(WalletSchema)


class LaunchTokenSchema(Schema):
    """An issued launch token."""

    authToken = fields.String()
    walletId = fields.String()
    expiresAt = fields.String()


class AuditEntrySchema(Schema):
    """One audit entry: the event, its time, and its fields (amounts as decimals)."""

    id = fields.String(allow_none=True)
    event = fields.String()
    time = fields.String()
    data = fields.Dict()


class SessionSummarySchema(Schema):
    """A session record."""

    id = fields.String()
    walletId = fields.String()
    parentSystem = fields.String()
    status = fields.String()
    created = fields.String()
    lastActivity = fields.String()
    closed = fields.String(allow_none=True)


class SessionDetailSchema(SessionSummarySchema):
    """A session with its whole story."""

    entries = fields.List(fields.Nested(AuditEntrySchema))


class SessionListSchema(Schema):
    """A wallet's sessions, newest first."""

    sessions = fields.List(fields.Nested(SessionSummarySchema))


class MovementPageSchema(Schema):
    """A page of a wallet's movements, newest first."""

    movements = fields.List(fields.Nested(AuditEntrySchema))
    nextCursor = fields.String(allow_none=True)
