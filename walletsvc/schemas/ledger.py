"""Reports from the ledger (walletsvc.ledger.reports), as the admin API and the CLI give them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.schemas.admin import SubBalancesSchema
from walletsvc.schemas.fields import Money
from walletsvc.schemas.reconciliation import ReconciliationQuerySchema, ReconciliationRowSchema

FORMATS = ("json", "csv")


class LedgerRangeQuerySchema(Schema):
    """Query of a ledger report: inclusive UTC dates, and json (default) or csv."""

    date_from = fields.Date(required=True, format="%Y-%m-%d")
    date_to = fields.Date(required=True, format="%Y-%m-%d")
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class LedgerReconciliationQuerySchema(ReconciliationQuerySchema):
    """Query of the reconciliation report from the ledger: as GPAS's, plus the format."""

    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class StatementLineSchema(Schema):
    """One money movement of a statement."""

    at = fields.String()
    event = fields.String()
    reference = fields.String(allow_none=True)
    reverses = fields.String(allow_none=True)
    typeCode = fields.String(allow_none=True)
    amount = Money(dump_only=True)
    real = Money(dump_only=True)
    bonus = Money(dump_only=True)
    realAfter = Money(dump_only=True)
    bonusAfter = Money(dump_only=True)
    sessionId = fields.String(allow_none=True)
    gameId = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    movementId = fields.String(allow_none=True)


class StatementSchema(Schema):
    """A wallet's statement: balances at the start and the end, and every movement between."""

    walletId = fields.String()
    playerId = fields.String(allow_none=True)
    currency = fields.String()
    dateFrom = fields.String()
    dateTo = fields.String()
    opening = fields.Nested(SubBalancesSchema)
    closing = fields.Nested(SubBalancesSchema)
    lines = fields.List(fields.Nested(StatementLineSchema))


class LiabilitySchema(Schema):
    """All players' balances in one currency at the end of one UTC day."""

    date = fields.String()
    currency = fields.String()
    real = Money(dump_only=True)
    bonus = Money(dump_only=True)
    total = Money(dump_only=True)
    movements = fields.Integer()


class LiabilitiesSchema(Schema):
    """End-of-day liabilities, one row per (day, currency)."""

    data = fields.List(fields.Nested(LiabilitySchema))


class LedgerReconciliationSchema(Schema):
    """The GPAS reconciliation report computed from the ledger."""

    status = fields.String()
    data = fields.List(fields.Nested(ReconciliationRowSchema))
