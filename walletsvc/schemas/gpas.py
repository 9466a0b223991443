"""Requests GPAS sends and the bodies we answer with (docs/gpas-contract.md, "Endpoints")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.schemas.fields import Money, Tags, reference, text

SESSION_ID = 100


class OpenSessionQuerySchema(Schema):
    """Query of ``POST /sessions``."""

    walletId = text(100)


class WalletSessionQuerySchema(Schema):
    """Query naming the wallet session (balance, debit, credit)."""

    walletSessionId = text(SESSION_ID)


class RollbackQuerySchema(Schema):
    """Query of ``PATCH /movements/rollback``."""

    walletSessionId = text(SESSION_ID)
    externalMovementId = reference()


class CloseSessionQuerySchema(Schema):
    """Query of ``PATCH /sessions/close``."""

    id = text(SESSION_ID)


class _MovementRequestSchema(Schema):
    externalReference = reference()
    value = Money(required=True)
    description = text(1000, min_length=0)
    tags = Tags(required=True)


class DebitRequestSchema(_MovementRequestSchema):
    """Body of a debit (bet)."""

    typeCode = fields.String(required=True, validate=validate.Equal("GAME_DEBIT"))


class CreditRequestSchema(_MovementRequestSchema):
    """Body of a credit (win)."""

    typeCode = fields.String(required=True, validate=validate.Equal("GAME_CREDIT"))


class RollbackRequestSchema(Schema):
    """Body of a rollback: no value, the whole referenced movement is reversed."""

    externalReference = reference()
    description = text(1000, min_length=0)
    tags = Tags(required=True)


class SessionSchema(Schema):
    """Answer to ``POST /sessions``."""

    id = fields.String(dump_only=True)
    walletId = fields.String(dump_only=True)
    created = fields.String(dump_only=True)
    status = fields.String(dump_only=True)


class BalanceSchema(Schema):
    """A wallet node: its code, total and children (null on a leaf)."""

    code = fields.String(dump_only=True)
    leftBalance = Money(dump_only=True)
    subWalletsSummary = fields.List(
        fields.Nested(lambda: BalanceSchema()), allow_none=True, dump_only=True
    )


class MovementResultSchema(Schema):
    """Answer to a debit, credit or rollback."""

    status = fields.String(dump_only=True)
    movementId = fields.String(dump_only=True)
    leftBalance = Money(dump_only=True)
    amountBonus = Money(dump_only=True)
    subWalletsSummary = fields.List(fields.Nested(BalanceSchema), dump_only=True)
