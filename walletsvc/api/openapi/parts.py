"""What the OpenAPI document says beside the views: credentials, groups and error answers."""

from __future__ import annotations

from typing import Any

from walletsvc import errors
from walletsvc.domain.gpas import WALLET_ID

_SIGNATURE = (
    "`UPPER(hex(SHA1(input + secret)))`, 40 upper-case hex digits, where `input` is the raw "
    "request body exactly as sent, or the raw query string (without `?`) when there is no body, "
    "and `secret` is the parent system's shared secret. Plain SHA1, not HMAC."
)

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "parentSystemId": {"type": "apiKey", "in": "header", "name": "x-parent-system-id",
                       "description": "The id GPAS has in this wallet; selects the secret."},
    "signature": {"type": "apiKey", "in": "header", "name": "x-signature",
                  "description": _SIGNATURE},
    "launchToken": {"type": "http", "scheme": "bearer",
                    "description": "A single-use launch token (opaque, from "
                                   "POST /admin/launch-tokens, or a portal JWT)."},
    "reconciliationKey": {"type": "http", "scheme": "bearer",
                          "description": "The reconciliation key (not an operator's token)."},
    "operatorToken": {"type": "http", "scheme": "bearer",
                      "description": "An operator's own API token (wso_...); a signed-in "
                                     "operator's session cookie works too. Each route names "
                                     "the roles it needs (docs/operators.md)."},
}

# Each documented blueprint: its group, and the credentials its guard checks.
BLUEPRINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gpas": ("GPAS", ("parentSystemId", "signature")),
    "reconciliation": ("Reconciliation", ("reconciliationKey",)),
    "admin": ("Admin", ("operatorToken",)),
    "protection": ("Protection", ("operatorToken",)),
    "approvals": ("Approvals", ("operatorToken",)),
    "ledger": ("Ledger", ("operatorToken",)),
    "operators": ("Operators", ("operatorToken",)),
    "audit": ("Audit", ("operatorToken",)),
}
# The one GPAS call that also needs a launch token.
SESSION_OPENING_ENDPOINT = "gpas.sessions.open_session"

TAGS = {
    "GPAS": "What the GPAS aggregator calls: signed with x-parent-system-id and "
            "x-signature. Checks run in the order address, parent system, signature, request "
            "shape, session, business rules; a refused call changes nothing stored.",
    "Reconciliation": "The daily report GPAS fetches, with its own bearer key.",
    "Admin": "The operator's own API: wallets, the cashier's money (the platform's service "
             "account), blocks, launch tokens, sessions and movements, each for the roles it "
             "names; every call is in the operators' audit log.",
    "Protection": "Player protection (docs/player-protection.md), for the roles it names: limits "
                  "(a new or lower one at once, a higher one or a removal after the "
                  "cooling-off), pauses and self-exclusion (never shortened). A bet a limit "
                  "refuses answers 400, code 1010 and a type naming it (LOSS_LIMIT_REACHED...), "
                  "with details; a paused or excluded player 1008 USER_BLOCKED (configurable).",
    "Approvals": "Four eyes on manual money: an operator with finance asks for a deposit, "
                 "withdrawal or correction; another approves it (finance up to the "
                 "currency's WALLETSVC_APPROVAL_LIMITS, finance_lead any amount) or rejects "
                 "it. The maker never decides their own, an admin never moves money, and an "
                 "approval applies the movement once (a repeat replays it).",
    "Operators": "Operators, roles and API tokens (admins; one's own tokens by oneself): an "
                 "admin grants only roles they hold, and no one changes their own.",
    "Audit": "The operators' audit log, hash-chained, for auditors and compliance: pages, "
             "CSV, and a walk of the chain that finds an entry changed, inserted or removed.",
    "Ledger": "Reports from the ledger in PostgreSQL, for the roles each names, as JSON or CSV "
              "(format=csv); 503 LEDGER_UNAVAILABLE while PostgreSQL does not answer.",
}

# The domain's own pattern, with Python's end-of-text anchor written as ECMA's.
WALLET_ID_SCHEMA = {"type": "string",
                    "pattern": "^" + WALLET_ID.pattern.replace("\\Z", "$") + "$"}

_REFUSED = ("Refused", "A GPAS error code (1001-1010) says why; nothing stored changed")
# The names of the other statuses several error classes share.
_SHARED = {503: "Unavailable"}


def error_responses() -> dict[int, tuple[str, str]]:
    """Return each error status's response name and meaning, from the error classes.

    A status of one class is named and described by it; the many refusals of 400 share one,
    and another shared status names each class's type.
    """
    by_status: dict[int, list[type[errors.WalletError]]] = {}
    for cls in errors.every_error():
        by_status.setdefault(cls.status, []).append(cls)
    return {status: _described(status, classes) for status, classes in sorted(by_status.items())}


def _described(status: int, classes: list[type[errors.WalletError]]) -> tuple[str, str]:
    if len(classes) == 1:
        return classes[0].__name__, _first_line(classes[0])
    if status == 400:
        return _REFUSED
    return (_SHARED.get(status, f"Error{status}"),
            "; or ".join(f"{cls.type}: {_first_line(cls)}" for cls in classes))


def _first_line(cls: type[errors.WalletError]) -> str:
    return (cls.__doc__ or cls.message).strip().splitlines()[0].rstrip(".")
