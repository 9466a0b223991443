"""The JSON of the service's answers, as a test client reads them: exact, decimals as Decimal."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from werkzeug.test import TestResponse


def json_of(response: TestResponse) -> Any:
    """Return the JSON body of a response that must have one."""
    body = response.json
    assert body is not None, response.get_data(as_text=True)
    return body


def decimal_json(response: TestResponse) -> Any:
    """Parse a response body with every number as an exact Decimal."""
    return json.loads(response.get_data(), parse_float=Decimal, parse_int=Decimal)
