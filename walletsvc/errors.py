"""Domain errors and the one place that turns any failure into the GPAS error body.

Each error class carries its HTTP status, GPAS code, type and message; every table that maps
errors (the store's script statuses, werkzeug's HTTP errors, the OpenAPI responses) is built
from the classes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

from flask import Flask, Response, g, jsonify
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException

from walletsvc.observability import record_store_failure

log = logging.getLogger(__name__)


class WalletError(Exception):
    """A refusal with its GPAS code, type, message and HTTP status."""

    status: ClassVar[int] = 400
    code: ClassVar[int] = 1010
    type: ClassVar[str] = "INVALID_REQUEST"
    message: ClassVar[str] = "Invalid request"
    # Seconds a client should wait before it asks again (a Retry-After header), if it should.
    retry_after: ClassVar[int | None] = None

    def __init__(self, detail: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(detail or self.message)
        self.detail = detail
        self.details = details

    def answer(self) -> tuple[int, int, str]:
        """Return the HTTP status, GPAS code and type this error is sent with."""
        return self.status, self.code, self.type

    def body(self) -> dict[str, Any]:
        """Return the GPAS error body."""
        _, code, error_type = self.answer()
        body: dict[str, Any] = {"code": code, "type": error_type, "message": self.message}
        if self.detail:
            body["message"] = f"{self.message}: {self.detail}"
        if self.details:
            body["details"] = self.details
        return body


# The GPAS refusals (docs/gpas-contract.md, "Errors") -------------------------------------------

class SystemFailure(WalletError):
    """System error (1001): a movement's outcome is unknown; resend it as is."""

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


# Player protection (docs/player-protection.md) ----------------------------------------------

class ProtectionRefusal(WalletError):
    """A bet, deposit or session refused by player protection; nothing was applied.

    The store raises it with what its script found (``found``: minor units and milliseconds);
    the domain fills in what is sent (``sent``: status, code, type, a message fit to show the
    player, and details), as WALLETSVC_PROTECTION_ANSWERS configures each refusal.
    """

    type, message = "LIMIT_REACHED", "A player-protection limit refused it"

    def __init__(self, detail: str | None = None, details: dict[str, Any] | None = None,
                 found: dict[str, Any] | None = None) -> None:
        super().__init__(detail, details)
        self.found = found or {}
        self.sent: tuple[int, int, str] | None = None
        self.shown = ""

    def refusal(self) -> str:
        """Return the name of this refusal (a limit's own, e.g. LOSS_LIMIT_REACHED)."""
        return self.type

    def answer(self) -> tuple[int, int, str]:
        """Return what the domain chose to send, or the class's own answer."""
        return self.sent or super().answer()

    def body(self) -> dict[str, Any]:
        """Return the error body with the player's message."""
        body = super().body()
        if self.shown:
            body["message"] = self.shown
        return body


class LimitReached(ProtectionRefusal):
    """A limit the bet or deposit would pass: details name it, its period, use and reset."""

    type, message = "LIMIT_REACHED", "Limit reached"

    def refusal(self) -> str:
        """Return e.g. LOSS_LIMIT_REACHED."""
        return str(self.found.get("refusal", self.type))


class PlayerPaused(ProtectionRefusal):
    """The player paused play (or it was paused for them): no session, no bet until it ends."""

    type, message = "PLAYER_PAUSED", "Play is paused"


class PlayerExcluded(ProtectionRefusal):
    """The player is self-excluded (or excluded by a register): no session, no bet."""

    type, message = "PLAYER_EXCLUDED", "Player excluded"


class LimitsRequired(ProtectionRefusal):
    """The wallet lacks a limit WALLETSVC_REQUIRED_LIMITS requires: it opens no session."""

    type, message = "LIMITS_REQUIRED", "Limits required"


class ProtectionChangeRefused(WalletError):
    """A protection change the rules forbid (shortening a pause, lifting it early)."""

    type, message = "PROTECTION_CHANGE_REFUSED", "Protection change refused"


# The operator's side and the transport (code 1010; the type says which) -------------------

class ApiKeyRejected(WalletError):
    """Missing or wrong API key."""

    status, type, message = 401, "UNAUTHORIZED", "Missing or wrong API key"


class AddressNotAllowed(WalletError):
    """The caller's address is not in WALLETSVC_GPAS_ALLOWED_IPS."""

    status, type, message = 403, "ADDRESS_NOT_ALLOWED", "Caller address not allowed"


class ResourceNotFound(WalletError):
    """No such wallet, session or path."""

    status, type, message = 404, "NOT_FOUND", "Not found"


class MethodNotAllowedHere(WalletError):
    """The path exists, the method does not."""

    status, type, message = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class WalletIdTaken(WalletError):
    """The walletId is taken."""

    status, type, message = 409, "CONFLICT", "Already exists"


class BodyTooLarge(WalletError):
    """Body over WALLETSVC_MAX_BODY_BYTES."""

    status, type, message = 413, "PAYLOAD_TOO_LARGE", "Request body too large"


class UnsupportedBody(WalletError):
    """The body's media type is not JSON."""

    status, type, message = 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"


class Overloaded(WalletError):
    """More requests than this worker can answer in time: refused before anything was applied.

    Code 1001: GPAS knows it as a transient system error and sends the call again; unlike the
    500 of a failed Redis call, whose outcome is unknown, nothing was applied, so the resend
    is simply a first attempt. ``reason`` says which limit refused it (for the log line).
    """

    status, code, type = 503, 1001, "OVERLOADED"
    message = "Too many requests at once; nothing was applied, try again"
    retry_after = 1

    def __init__(self, detail: str | None = None, details: dict[str, Any] | None = None,
                 reason: str = "admission") -> None:
        super().__init__(detail, details)
        self.reason = reason


class LedgerUnavailable(WalletError):
    """The ledger (PostgreSQL) is not configured or does not answer; GPAS calls are unaffected."""

    status, code, type, message = 503, 1001, "LEDGER_UNAVAILABLE", "Ledger unavailable"


class StoreNotReady(WalletError):
    """The store lost its data or is being restored (store/fence.py): nothing was applied.

    Code 1001, as GPAS knows a system error; status 503 and a type of its own, so that neither
    GPAS nor an operator mistakes it for an unknown outcome (500) or a refusal of the request.
    """

    status, code, type, message = 503, 1001, "STORE_NOT_READY", "Store not ready"


def every_error() -> list[type[WalletError]]:
    """Return every error class, in the order they are defined."""
    found: list[type[WalletError]] = []
    pending = [WalletError]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def of_type(error_type: str) -> type[WalletError]:
    """Return the one error class of a GPAS type (the statuses the store's scripts return)."""
    matches = [cls for cls in every_error() if cls.type == error_type]
    if len(matches) != 1:
        raise LookupError(f"no single error of type {error_type!r}")
    return matches[0]


# werkzeug's routing and transport errors that have a class of their own here.
_HTTP_ERRORS = {cls.status: cls for cls in (ResourceNotFound, MethodNotAllowedHere,
                                            BodyTooLarge, UnsupportedBody)}


def error_response(error: WalletError, status: int | None = None) -> Response:
    """Render ``error`` as the GPAS error body with its HTTP status."""
    sent_status, g.gpas_code, _ = error.answer()
    response = jsonify(error.body())
    response.status_code = status or sent_status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status >= 500:
        return error_response(SystemFailure())
    response = error_response(_HTTP_ERRORS.get(status, InvalidRequest)(), status)
    if status == 405 and exc.response is None:
        response.headers["Allow"] = ", ".join(getattr(exc, "valid_methods", None) or [])
    return response


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected failure: %s", type(exc).__name__)
    return error_response(SystemFailure())


def _store_failure(exc: RedisError, kind: str) -> Response:
    """Answer 500/1001: the outcome is unknown to the caller, exactly as after a timeout.

    A known kind (Redis refused the write, did not answer, may evict) logs one line; only an
    unexpected Redis error adds its traceback.
    """
    record_store_failure(kind, f"{type(exc).__name__}: {exc}", "answered 500/1001",
                         traceback=kind == "other")
    return error_response(SystemFailure())


def register_error_handlers(app: Flask, failure_kind: Callable[[RedisError], str]) -> None:
    """Make every failure, routing and crashes included, answer in the GPAS shape.

    ``failure_kind`` names the kind of a store failure (the store's own classification).
    """
    app.register_error_handler(WalletError, error_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(RedisError, lambda exc: _store_failure(exc, failure_kind(exc)))
    app.register_error_handler(Exception, _unexpected)


# The operators' side: who may act (docs/operators.md) ---------------------------------------

class OperatorUnknown(WalletError):
    """No credentials, or a token that is unknown, expired or revoked, or a disabled operator."""

    status, type, message = 401, "UNAUTHORIZED", "Sign in, or send a live operator API token"


class RoleRequired(WalletError):
    """The operator holds none of the roles the route needs."""

    status, type, message = 403, "ROLE_REQUIRED", "Your roles do not allow this"


class FourEyesRequired(WalletError):
    """A request's maker tried to approve it, or the approver's roles do not reach its amount."""

    status, type, message = 403, "FOUR_EYES_REQUIRED", "Another operator must approve this"


class RequestClosed(WalletError):
    """The money request was already decided, or it expired."""

    status, type, message = 409, "REQUEST_CLOSED", "The request is no longer pending"


class AccessUnavailable(WalletError):
    """PostgreSQL, which holds the operators and their audit log, does not answer: nothing an
    operator asks is done unrecorded. GPAS calls are unaffected."""

    status, code, type, message = 503, 1001, "ACCESS_UNAVAILABLE", "Operator access unavailable"


class OperatorChangeRefused(WalletError):
    """A change to operators the rules forbid (walletsvc/access/administration.py)."""

    status, type, message = 403, "OPERATOR_CHANGE_REFUSED", "Operator change refused"


class OperatorConflict(WalletError):
    """A name or identity taken, or no such operator or token."""

    status, type, message = 409, "OPERATOR_CONFLICT", "Operator change conflicts"
class SignInFailed(WalletError):
    """A sign-in that did not prove who it is, whatever was wrong.

    The name, the password, the code or the provider's token: one answer for all, so that it
    tells a guesser nothing; the audit log keeps the reason.
    """

    status, type, message = 401, "UNAUTHORIZED", "Sign-in failed"


class FreshSignInRequired(WalletError):
    """A sensitive action (approving money in the console) after a sign-in too long ago."""

    status, type, message = 401, "FRESH_SIGNIN_REQUIRED", "Sign in again to do this"


class SignInRefused(WalletError):
    """The identity provider vouched for someone who is no operator here, or a disabled one."""

    status, type, message = 403, "SIGNIN_REFUSED", "This identity may not sign in here"


class SignInUnavailable(WalletError):
    """Sign-in is not configured, or the identity provider does not answer.

    Not configured: no WALLETSVC_SECRET_KEY, or no identity provider. API tokens work meanwhile.
    """

    status, code, type, message = 503, 1001, "SIGNIN_UNAVAILABLE", "Sign-in unavailable"
