"""What comes back: exact JSON bodies and the GPAS error shape."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from werkzeug.test import TestResponse


def decimal_json(response: TestResponse) -> Any:
    """Parse a response body with every number as an exact Decimal."""
    return json.loads(response.get_data(), parse_float=Decimal, parse_int=Decimal)


def error_of(response: TestResponse) -> tuple[int, int, str]:
    """Return (HTTP status, GPAS code, GPAS type) of an error response."""
    body = response.json
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert set(body) >= {"code", "type", "message"}
    return response.status_code, body["code"], body["type"]
