"""What comes back: exact JSON bodies, the GPAS error shape, refusals that change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.test import TestResponse

from devkit.responses import json_of
from tests.support.store import snapshot
from walletsvc.store import RedisClient


def error_of(response: TestResponse) -> tuple[int, int, str]:
    """Return (HTTP status, GPAS code, GPAS type) of an error response."""
    body = response.json
    assert isinstance(body, dict), response.get_data(as_text=True)
    assert set(body) >= {"code", "type", "message"}
    return response.status_code, body["code"], body["type"]


# docs/gpas-contract.md, "Errors": the fixed message of each (HTTP status, code); ours may add
# ": <detail>".
MESSAGES = {
    (500, 1001): "System error",
    (400, 1001): "Invalid system identifier",
    (400, 1002): "Invalid transaction id",
    (400, 1003): "Duplicate transaction id",
    (400, 1004): "Invalid wallet session",
    (400, 1005): "Invalid wallet id",
    (400, 1006): "Signature failed",
    (400, 1007): "Insufficient funds",
    (400, 1008): "User blocked",
    (400, 1009): "Invalid game id",
}
SYSTEM_ERROR = (400, 1001, "SYSTEM_ERROR")
SIGNATURE_FAILED = (400, 1006, "SIGNATURE_FAILED")
INVALID_SESSION = (400, 1004, "INVALID_WALLET_SESSION")
INVALID_REQUEST = (400, 1010, "INVALID_REQUEST")
INVALID_AMOUNT = (400, 1010, "INVALID_AMOUNT")
INVALID_AUTH_TOKEN = (400, 1010, "INVALID_AUTH_TOKEN")


def assert_error_shape(response: TestResponse, expected: tuple[int, int, str]) -> dict[str, Any]:
    """Check a GPAS error body: JSON, the three fields (details optional), the fixed message."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)
    assert error_of(response) == expected, response.get_data(as_text=True)
    body: dict[str, Any] = json_of(response)
    assert set(body) <= {"code", "type", "message", "details"}
    assert isinstance(body["message"], str)
    assert body["message"]
    status, code, _ = expected
    if (status, code) in MESSAGES:
        assert body["message"].split(":")[0] == MESSAGES[(status, code)]
    return body


def assert_refused(redis_client: RedisClient, request: Callable[[], TestResponse],
                   expected: tuple[int, int, str]) -> TestResponse:
    """Send a request that must be refused with ``expected`` and leave the store untouched."""
    before = snapshot(redis_client)
    response = request()
    assert_error_shape(response, expected)
    assert snapshot(redis_client) == before
    return response
