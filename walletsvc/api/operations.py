"""Which schemas each documented view loads and answers with, its credentials and its errors.

The OpenAPI document (``walletsvc.api.openapi``) is built from this table, the URL map and the
schemas; a test checks that every GPAS, reconciliation and admin route has a row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema

from walletsvc.domain import gpas as domain
from walletsvc.schemas import admin, gpas, reconciliation

_SIGNATURE = (
    "`UPPER(hex(SHA1(input + secret)))`, 40 upper-case hex digits, where `input` is the raw "
    "request body exactly as sent, or the raw query string (without `?`) when there is no body, "
    "and `secret` is the parent system's shared secret. Plain SHA1, not HMAC."
)

TAGS = {
    "GPAS": "What the GPAS aggregator calls (SPEC A2): signed with x-parent-system-id and "
            "x-signature. Checks run in the order address, parent system, signature, request "
            "shape, session, business rules; a refused call changes nothing stored.",
    "Reconciliation": "The daily report GPAS fetches, with its own bearer key.",
    "Admin": "The operator's own API (SPEC C1), with the admin key.",
}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "parentSystemId": {"type": "apiKey", "in": "header", "name": "x-parent-system-id",
                       "description": "The id GPAS has in this wallet; selects the secret."},
    "signature": {"type": "apiKey", "in": "header", "name": "x-signature",
                  "description": _SIGNATURE},
    "launchToken": {"type": "http", "scheme": "bearer",
                    "description": "A single-use launch token (opaque, from "
                                   "POST /admin/launch-tokens, or a portal JWT)."},
    "reconciliationKey": {"type": "http", "scheme": "bearer",
                          "description": "The reconciliation key (not the admin key)."},
    "adminKey": {"type": "http", "scheme": "bearer", "description": "The admin API key."},
}

# Each error status: its name under components/responses, and what it means.
ERROR_RESPONSES = {
    400: ("Refused", "A GPAS error code (1001-1010) says why; nothing stored changed"),
    401: ("Unauthorized", "Missing or wrong API key"),
    403: ("AddressNotAllowed", "The caller's address is not in WALLETSVC_GPAS_ALLOWED_IPS"),
    404: ("NotFound", "No such wallet or session"),
    409: ("Conflict", "The walletId is taken"),
    413: ("PayloadTooLarge", "Body over WALLETSVC_MAX_BODY_BYTES"),
    500: ("SystemError", "System error (1001): a movement's outcome is unknown; resend it as is"),
}

# The domain's own pattern, with Python's end-of-text anchor written as ECMA's.
WALLET_ID = {"type": "string",
             "pattern": "^" + domain.WALLET_ID.pattern.replace("\\Z", "$") + "$"}


@dataclass(frozen=True)
class Operation:
    """What one view reads and answers: query schema, body schema, answer schema, status."""

    response: type[Schema] | None
    args: type[Schema] | None = None
    body: type[Schema] | None = None
    status: int = 200
    answer: str = "Done"
    errors: tuple[int, ...] = ()

    def tag(self, endpoint: str) -> str:
        """Return the group the operation is listed under."""
        return {"gpas": "GPAS", "reconciliation": "Reconciliation"}.get(
            _blueprint(endpoint), "Admin")

    def security(self, endpoint: str) -> tuple[str, ...]:
        """Return the credentials the operation needs, all of them together."""
        if endpoint == "gpas.sessions.open_session":
            return ("parentSystemId", "signature", "launchToken")
        return {"gpas": ("parentSystemId", "signature"),
                "reconciliation": ("reconciliationKey",)}.get(_blueprint(endpoint), ("adminKey",))

    def path_schema(self, name: str) -> dict[str, Any]:
        """Return the schema of a path parameter."""
        return WALLET_ID if name == "wallet_id" else {"type": "string", "minLength": 1}


def error_statuses(endpoint: str, op: Operation, has_path: bool) -> list[int]:
    """Return the error statuses the operation can answer with."""
    statuses = {500, *op.errors}
    if _blueprint(endpoint) == "gpas":
        # Any GPAS call is signed over its body, which is read (and size-checked) first.
        statuses |= {400, 403, 413}
    elif _blueprint(endpoint) == "reconciliation":
        statuses |= {400, 401, 403}
    else:
        statuses.add(401)
    if op.args is not None or op.body is not None:
        statuses.add(400)
    if op.body is not None:
        statuses.add(413)
    if has_path:
        statuses.add(404)
    return sorted(statuses)


def _blueprint(endpoint: str) -> str:
    return endpoint.split(".", 1)[0]


_MOVED = "The movement was applied; balances after it"

# OpenAPI links: which later operations take an id from an answer (or from its request).
_WALLET = {"wallet_id": "$response.body#/walletId"}
_SESSION = {"walletSessionId": "$response.body#/id"}
_REVERSE = {"walletSessionId": "$request.query.walletSessionId",
            "externalMovementId": "$request.body#/externalReference"}
LINKS: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "admin.create_wallet": {
        "GetWallet": ("admin_get_wallet", _WALLET),
        "Deposit": ("admin_deposit", _WALLET),
        "Withdraw": ("admin_withdraw", _WALLET),
        "Block": ("admin_block", _WALLET),
        "Unblock": ("admin_unblock", _WALLET),
        "ListSessions": ("admin_list_sessions", _WALLET),
        "ListMovements": ("admin_list_movements", _WALLET),
        "IssueLaunchToken": ("admin_issue_launch_token",
                             {"requestBody": {"walletId": "$response.body#/walletId"}}),
        "OpenSession": ("gpas_sessions_open_session", {"walletId": "$response.body#/walletId"}),
    },
    "admin.issue_launch_token": {
        "OpenSession": ("gpas_sessions_open_session", {"walletId": "$response.body#/walletId"}),
    },
    "gpas.sessions.open_session": {
        "Balance": ("gpas_wallets_balance", _SESSION),
        "Debit": ("gpas_movements_debit", _SESSION),
        "Credit": ("gpas_movements_credit", _SESSION),
        "Close": ("gpas_sessions_close_session", {"id": "$response.body#/id"}),
        "Story": ("admin_get_session", {"session_id": "$response.body#/id"}),
    },
    "gpas.movements.debit": {"RollBack": ("gpas_movements_rollback", _REVERSE)},
    "gpas.movements.credit": {"RollBack": ("gpas_movements_rollback", _REVERSE)},
}

OPERATIONS: dict[str, Operation] = {
    "gpas.sessions.open_session": Operation(
        gpas.SessionSchema, gpas.SessionQueryArgsSchema, answer="The session is open"),
    "gpas.sessions.close_session": Operation(
        None, gpas.CloseArgsSchema, answer="The session is closed (empty body)"),
    "gpas.wallets.balance": Operation(
        gpas.BalanceSchema, gpas.WalletSessionArgsSchema, answer="The wallet's balance"),
    "gpas.movements.debit": Operation(
        gpas.MovementResultSchema, gpas.WalletSessionArgsSchema, gpas.DebitRequestSchema,
        answer=_MOVED),
    "gpas.movements.credit": Operation(
        gpas.MovementResultSchema, gpas.WalletSessionArgsSchema, gpas.CreditRequestSchema,
        answer=_MOVED),
    "gpas.movements.rollback": Operation(
        gpas.MovementResultSchema, gpas.RollbackArgsSchema, gpas.RollbackRequestSchema,
        answer=_MOVED),
    "reconciliation.report": Operation(
        reconciliation.ReconciliationReportSchema, reconciliation.ReconciliationArgsSchema,
        answer="One row per (UTC date, provider, game, currency)"),
    "admin.create_wallet": Operation(
        admin.WalletSchema, body=admin.WalletCreateRequestSchema, status=201, errors=(409,),
        answer="The new wallet"),
    "admin.get_wallet": Operation(admin.WalletSchema, answer="The wallet"),
    "admin.deposit": Operation(
        admin.AdjustmentResultSchema, body=admin.AdjustmentRequestSchema,
        answer="Applied, or replayed for a known reference"),
    "admin.withdraw": Operation(
        admin.AdjustmentResultSchema, body=admin.AdjustmentRequestSchema,
        answer="Applied, or replayed for a known reference"),
    "admin.block": Operation(admin.WalletSchema, answer="The wallet, blocked"),
    "admin.unblock": Operation(admin.WalletSchema, answer="The wallet, unblocked"),
    "admin.issue_launch_token": Operation(
        admin.LaunchTokenSchema, body=admin.LaunchTokenRequestSchema, status=201, errors=(404,),
        answer="A single-use launch token"),
    "admin.list_sessions": Operation(
        admin.SessionListSchema, admin.PageArgsSchema, answer="Sessions, newest first"),
    "admin.get_session": Operation(admin.SessionDetailSchema, answer="The session's story"),
    "admin.list_movements": Operation(
        admin.MovementPageSchema, admin.PageArgsSchema, answer="A page of movements"),
}
