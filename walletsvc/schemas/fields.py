"""Fields shared by the GPAS and admin schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

from walletsvc.money import AmountError, parse_decimal

# Field names whose failure is an amount error (INVALID_AMOUNT), not a shape error.
AMOUNT_FIELDS = frozenset({"value", "amount"})


class Money(fields.Field[Decimal]):
    """A decimal amount given as a JSON string or number, never read through a float;
    ``signed=True`` takes a negative one too (a correction)."""

    def __init__(self, *, signed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.signed = signed

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            return parse_decimal(value, self.signed)
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


MAX_TAG_KEY = 100


class Tags(fields.Dict):
    """GPAS's opaque tags: an object of any values whose keys hold at most 100 characters.

    The keys are checked in one pass (what ``Dict(keys=String(validate=Length(max=100)))``
    checks, with the same messages), without a field run per key on every movement.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any
                     ) -> dict[Any, Any]:
        tags: dict[Any, Any] = super()._deserialize(  # type: ignore[no-untyped-call]
            value, attr, data, **kwargs)
        too_long = {key: {"key": [f"Longer than maximum length {MAX_TAG_KEY}."]}
                    for key in tags if len(key) > MAX_TAG_KEY}
        if too_long:
            raise ValidationError(too_long)
        return tags
