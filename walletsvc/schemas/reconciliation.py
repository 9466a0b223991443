"""The reconciliation report (docs/gpas-contract.md, "Reconciliation")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.schemas.fields import Money


class ReconciliationQuerySchema(Schema):
    """Query of ``GET /reconciliation``: inclusive UTC dates, optional provider."""

    date_from = fields.Date(required=True, format="%Y-%m-%d")
    date_to = fields.Date(required=True, format="%Y-%m-%d")
    provider_code = fields.String(validate=validate.Length(min=1, max=100))


class ReconciliationRowSchema(Schema):
    """Totals of one (UTC date, provider, game, currency)."""

    date = fields.String()
    provider_code = fields.String()
    game_id = fields.String()
    game_name = fields.String()
    currency = fields.String()
    total_bet = Money(dump_only=True)
    total_bet_rollback = Money(dump_only=True)
    total_win = Money(dump_only=True)
    total_win_rollback = Money(dump_only=True)
    total_ggr = Money(dump_only=True)
    transaction_count_bet = fields.Integer()
    transaction_count_win = fields.Integer()
    transaction_count_rollback = fields.Integer()


class ReconciliationReportSchema(Schema):
    """Answer of ``GET /reconciliation``."""

    status = fields.String()
    data = fields.List(fields.Nested(ReconciliationRowSchema))


class ReconciliationMovementsQuerySchema(Schema):
    """Query of the console's movements under one reconciliation row."""

    day = fields.Date(required=True, format="%Y-%m-%d")
    provider = fields.String(required=True, validate=validate.Length(min=1, max=100))
    game = fields.String(required=True, validate=validate.Length(min=1, max=100))
    currency = fields.String(required=True, validate=validate.Length(min=1, max=10))
    after = fields.String(load_default=None, validate=validate.Length(max=120))
