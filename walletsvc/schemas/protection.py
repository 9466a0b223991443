"""Requests and answers of player protection in the admin API (docs/player-protection.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from walletsvc.domain.protection.limits import KINDS, ORIGINS, PERIOD_CODES
from walletsvc.schemas.fields import Money, text

LIMIT_NAMES = [name.upper() for name in KINDS]
PERIOD_NAMES = [name.upper() for name in PERIOD_CODES]
_LIMIT = fields.String(required=True, validate=validate.OneOf(LIMIT_NAMES), metadata={
    "description": "DEPOSIT, WAGER, LOSS (bets - wins - bet rollbacks + win rollbacks) and "
                   "PLAY_TIME per period; BET (the largest single bet) and SESSION_TIME "
                   "(since the session opened) without one"})
_PERIOD = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
    PERIOD_NAMES), metadata={"description": "DAY, WEEK (from Monday) or MONTH, calendar "
                                            "periods in the configured time zone"})
_BY = text(100, metadata={"description": "who asks: the player, an operator's name, a "
                                         "register"})
_WHY = fields.String(load_default="", validate=validate.Length(max=500), metadata={
    "description": "why, beyond who asks (the operators' audit log keeps it)"})


class LimitChangeRequestSchema(Schema):
    """Body of ``POST /admin/wallets/{walletId}/limits``: set, lower, raise or remove one."""

    limit = _LIMIT
    period = _PERIOD
    value = Money(required=True, allow_none=True, metadata={
        "description": "money in the wallet's currency, or whole seconds for SESSION_TIME and "
                       "PLAY_TIME; null removes the limit (after the cooling-off)"})
    by = _BY
    reason = _WHY


class LimitCancelRequestSchema(Schema):
    """Body of ``POST /admin/wallets/{walletId}/limits/cancel``: drop a pending change."""

    limit = _LIMIT
    period = _PERIOD
    by = _BY
    reason = _WHY


class PauseRequestSchema(Schema):
    """Body of ``POST /admin/wallets/{walletId}/pause``: a pause or a self-exclusion."""

    kind = fields.String(required=True, validate=validate.OneOf(["PAUSE", "EXCLUSION"]))
    until = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "ISO-8601 with an offset; null: indefinite"})
    origin = fields.String(required=True, validate=validate.OneOf(
        [origin.upper() for origin in ORIGINS]), metadata={
        "description": "PLAYER, OPERATOR, or REGISTER (a regulator's register, e.g. SIGAP)"})
    reason = text(500)
    by = _BY


class PauseLiftRequestSchema(Schema):
    """Body of ``POST /admin/wallets/{walletId}/pause/lift``."""

    reason = text(500)
    by = _BY


class PendingChangeSchema(Schema):
    """A change waiting for its cooling-off."""

    value = Money(dump_only=True, allow_none=True)
    effectiveAt = fields.String()
    askedAt = fields.String()
    by = fields.String()


class LimitSchema(Schema):
    """One limit in force, with its use in the running period and its pending change."""

    limit = fields.String()
    period = fields.String(allow_none=True)
    value = Money(dump_only=True, allow_none=True)
    used = Money(dump_only=True, allow_none=True)
    headroom = Money(dump_only=True, allow_none=True)
    resetsAt = fields.String(allow_none=True)
    pending = fields.Nested(PendingChangeSchema, allow_none=True)


class PeriodUseSchema(Schema):
    """What the wallet did in one running period."""

    period = fields.String()
    startsAt = fields.String()
    resetsAt = fields.String()
    deposit = Money(dump_only=True)
    wager = Money(dump_only=True)
    loss = Money(dump_only=True)
    playSeconds = Money(dump_only=True)


class PauseSchema(Schema):
    """A pause or self-exclusion in force."""

    kind = fields.String()
    until = fields.String(allow_none=True)
    origin = fields.String()
    reason = fields.String()
    since = fields.String()
    by = fields.String()
    liftableFrom = fields.String(allow_none=True)


class ProtectionSchema(Schema):
    """A wallet's limits, pending changes, use per period, pause and required limits."""

    walletId = fields.String()
    currency = fields.String()
    timeZone = fields.String()
    limits = fields.List(fields.Nested(LimitSchema))
    periods = fields.List(fields.Nested(PeriodUseSchema))
    pause = fields.Nested(PauseSchema, allow_none=True)
    requiredLimits = fields.List(fields.String())
    missingLimits = fields.List(fields.String())
