"""Domain errors and the one place that turns any failure into the GPAS error body."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from flask import Flask, Response, g, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class WalletError(Exception):
    """A refusal with its GPAS code, type, message and HTTP status."""

    status: ClassVar[int] = 400
    code: ClassVar[int] = 1010
    type: ClassVar[str] = "INVALID_REQUEST"
    message: ClassVar[str] = "Invalid request"

    def __init__(self, detail: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self.details = details

    def body(self) -> dict[str, Any]:
        """Return the GPAS error body."""
        body: dict[str, Any] = {"code": self.code, "type": self.type, "message": self.message}
        if self.detail:
            body["message"] = f"{self.message}: {self.detail}"
        if self.details:
            body["details"] = self.details
        return body


class SystemFailure(WalletError):
    status, code, type, message = 500, 1001, "SYSTEM_ERROR", "System error"


class InvalidSystemIdentifier(WalletError):
    code, type, message = 1001, "SYSTEM_ERROR", "Invalid system identifier"


class InvalidTransactionId(WalletError):
    code, type, message = 1002, "INVALID_TX_ID", "Invalid transaction id"


class DuplicateTransactionId(WalletError):
    code, type, message = 1003, "DUPLICATE_TX_ID", "Duplicate transaction id"


class InvalidWalletSession(WalletError):
    code, type, message = 1004, "INVALID_WALLET_SESSION", "Invalid wallet session"


class InvalidWalletId(WalletError):
    code, type, message = 1005, "INVALID_WALLET_ID", "Invalid wallet id"


class SignatureFailed(WalletError):
    code, type, message = 1006, "SIGNATURE_FAILED", "Signature failed"


class InsufficientFunds(WalletError):
    code, type, message = 1007, "INSUFFICIENT_FUNDS", "Insufficient funds"


class UserBlocked(WalletError):
    code, type, message = 1008, "USER_BLOCKED", "User blocked"


class InvalidGameId(WalletError):
    code, type, message = 1009, "INVALID_GAME_ID", "Invalid game id"


class InvalidRequest(WalletError):
    """The request does not have the documented shape."""


class InvalidAmount(WalletError):
    type, message = "INVALID_AMOUNT", "Invalid amount"


class InvalidAuthToken(WalletError):
    type, message = "INVALID_AUTH_TOKEN", "Invalid auth token"


class CurrencyError(WalletError):
    type, message = "CURRENCY_ERROR", "Unsupported currency"


class Unauthorized(WalletError):
    status, type, message = 401, "UNAUTHORIZED", "Missing or wrong API key"


class AddressNotAllowed(WalletError):
    status, type, message = 403, "ADDRESS_NOT_ALLOWED", "Caller address not allowed"


class NotFound(WalletError):
    status, type, message = 404, "NOT_FOUND", "Not found"


class Conflict(WalletError):
    status, type, message = 409, "CONFLICT", "Already exists"


_HTTP_TYPES = {
    404: ("NOT_FOUND", "Not found"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
    413: ("PAYLOAD_TOO_LARGE", "Request body too large"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"),
}


def error_response(error: WalletError) -> Response:
    """Render ``error`` as the GPAS error body with its HTTP status."""
    g.gpas_code = error.code
    response = jsonify(error.body())
    response.status_code = error.status
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return error_response(SystemFailure())
    error_type, message = _HTTP_TYPES.get(status, ("INVALID_REQUEST", "Invalid request"))
    g.gpas_code = 1010
    response = jsonify({"code": 1010, "type": error_type, "message": message})
    response.status_code = status
    if status == 405 and exc.response is None:
        response.headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or [])
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected failure: %s", type(exc).__name__)
    return error_response(SystemFailure())


def register_error_handlers(app: Flask) -> None:
    """Make every failure, routing and crashes included, answer in the GPAS shape."""
    app.register_error_handler(WalletError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
