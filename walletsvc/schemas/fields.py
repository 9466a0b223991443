"""Fields shared by the GPAS and admin schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

from walletsvc.money import AmountError, parse_decimal

# Field names whose failure is an amount error (INVALID_AMOUNT), not a shape error.
AMOUNT_FIELDS = frozenset({"value", "amount"})


class Money(fields.Field[Decimal]):
    """A decimal amount given as a JSON string or number, never read through a float."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return parse_decimal(value)
        except AmountError as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value: Decimal | None, attr: str | None, obj: Any, **kwargs: Any
                   ) -> Decimal | None:
        return value


def text(max_length: int, *, min_length: int = 1, **kwargs: Any) -> fields.String:
    """Return a required string field bounded in length."""
    kwargs.setdefault("required", True)
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def reference() -> fields.String:
    """Return a field for an external reference: no control characters, at most 200 of them."""
    return fields.String(
        required=True,
        validate=[validate.Length(min=1, max=200), validate.Regexp(r"^[^\x00-\x1f\x7f-\x9f]+\Z")],
    )
