"""The one error body every failure answers with (docs/gpas-contract.md, "Errors")."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

# docs/gpas-contract.md, "Errors": 1001 system, 1002-1009 the GPAS refusals, 1010 ours (the
# type says which).
ERROR_CODES = list(range(1001, 1011))


class ErrorSchema(Schema):
    """``{"code", "type", "message"}``, with ``details`` on validation errors."""

    code = fields.Integer(required=True, validate=validate.OneOf(ERROR_CODES), metadata={
        "description": "GPAS error code: 1001 system error or unknown parent system, "
                       "1002-1009 the GPAS refusals, 1010 ours (see type)"})
    type = fields.String(required=True, validate=validate.Regexp(r"^[A-Z][A-Z_]*\Z"), metadata={
        "description": "e.g. SIGNATURE_FAILED, INVALID_WALLET_SESSION, INVALID_REQUEST, "
                       "INVALID_AMOUNT, NOT_FOUND, PAYLOAD_TOO_LARGE; a player-protection "
                       "refusal names the limit: DEPOSIT_LIMIT_REACHED, WAGER_LIMIT_REACHED, "
                       "LOSS_LIMIT_REACHED, BET_LIMIT_REACHED, SESSION_TIME_LIMIT_REACHED, "
                       "PLAY_TIME_LIMIT_REACHED, or LIMITS_REQUIRED (a paused or excluded "
                       "player: 1008 USER_BLOCKED); each configurable"})
    message = fields.String(required=True, validate=validate.Length(min=1))
    details = fields.Dict(metadata={
        "description": "which fields failed validation and why (validation errors); for a "
                       "player-protection refusal: refusal, limit, period, value, used, amount "
                       "and resetsAt (or until, or missing)"})
