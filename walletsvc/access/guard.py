"""Every operator route declares who may call it and what the audit log records of it.

``@guarded(roles, action, target=...)`` sits between the route and its contract: it opens the
operator's PostgreSQL (the directory and the audit log), finds the operator from the API token
or the signed-in session, refuses one without the roles (403, recorded), runs the view, and
appends one audit entry (actor, roles, address, request id, action, target, outcome, reason,
and what the view noted as before and after) in the same transaction that committed the
operator's last use. ``@public(why)`` marks the few routes that need no operator (the API's
own documentation). tests/access/test_route_guards.py walks the URL map: a route with neither
fails it.

The operator's connection is opened per request: the operator's process is not GPAS's, and
PostgreSQL down means 503 ACCESS_UNAVAILABLE here while every GPAS call carries on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from flask import Response, g

from walletsvc.access.audit_log import AuditEntry, append
from walletsvc.access.directory import Directory, Operator
from walletsvc.access.roles import Role
from walletsvc.context import current_request
from walletsvc.errors import (
    AccessUnavailable,
    OperatorUnknown,
    RoleRequired,
    SystemFailure,
    WalletError,
)
from walletsvc.ledger.database import LedgerUnreachable, connect
from walletsvc.signin.session import SESSION_OPERATOR as SESSION_OPERATOR  # the operator's id
from walletsvc.signin.session import signed_in

log = logging.getLogger("walletsvc.audit")
View = Callable[..., Any]
_TIMEOUT_S = 3


@dataclass(frozen=True)
class Guard:
    """A route's declaration: the roles that may call it and the audit action it records."""

    roles: frozenset[Role]
    action: str
    target: str | None  # the path parameter naming what it acts on, e.g. "wallet_id"
    public: bool = False


GUARDS: dict[View, Guard] = {}


@dataclass
class Acting:
    """The operator serving this request or command, their connection, where they act from,
    and what the view noted."""

    operator: Operator
    directory: Directory
    conn: psycopg.Connection[Any]
    address: str  # the client's, or cli:user@host
    request_id: str = ""
    target: str = ""
    before: Any = None
    after: Any = None
    reason: str = ""


def acting() -> Acting:
    """Return the operator serving this request (inside a guarded view)."""
    return g.acting  # type: ignore[no-any-return]


def note(target: str | None = None, before: Any = None, after: Any = None,
         reason: str | None = None) -> None:
    """Add to this request's audit entry what the view knows: its target, before and after."""
    current = acting()
    if target is not None:
        current.target = target
    if before is not None:
        current.before = before
    if after is not None:
        current.after = after
    if reason is not None:
        current.reason = reason


def guarded(roles: Iterable[Role], action: str, target: str | None = None
            ) -> Callable[[View], View]:
    """Declare a route's roles and audit action (see the module's doc)."""
    declaration = Guard(frozenset(roles), action, target)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def handle(**path: str) -> Any:
            return _serve(declaration, view, path)

        GUARDS[handle] = declaration
        return handle

    return decorate


def public(why: str) -> Callable[[View], View]:
    """Declare a route that needs no operator and records nothing; ``why`` says why."""

    def decorate(view: View) -> View:
        GUARDS[view] = Guard(frozenset(), f"public: {why}", None, public=True)
        return view

    return decorate


def open_access(url: str | None) -> psycopg.Connection[Any]:
    """Open the operators' database; 503 ACCESS_UNAVAILABLE if it does not answer."""
    try:
        return connect(url, _TIMEOUT_S)
    except LedgerUnreachable as exc:
        raise AccessUnavailable(str(exc)) from None


def _serve(declaration: Guard, view: View, path: dict[str, str]) -> Any:
    from walletsvc.services import services  # the container imports the api's users

    conn = open_access(services().config.ledger_url)
    try:
        directory = Directory(conn)
        operator = _authenticate(directory)
        conn.commit()
        request = current_request()
        current = Acting(operator, directory, conn, address=request.remote_addr or "",
                         request_id=str(g.get("request_id", "")),
                         target=_target(declaration, path), reason=_asked_reason())
        return carry_out(current, declaration.roles, declaration.action,
                         lambda: view(**path), _status)
    except psycopg.OperationalError as exc:
        raise AccessUnavailable(f"PostgreSQL failed: {type(exc).__name__}") from None
    finally:
        conn.close()


def failure_status(error: Exception) -> int:
    """Return the status a failure is recorded with: a refusal's own, else 500."""
    return error.answer()[0] if isinstance(error, WalletError) else SystemFailure.status


def carry_out(current: Acting, roles: frozenset[Role], action: str, work: Callable[[], Any],
              done: Callable[[Any], int],
              failed: Callable[[Exception], int] = failure_status) -> Any:
    """Do ``work`` as ``current``'s operator if they hold one of ``roles``, and record it as
    ``action``: refused (403), failed (``failed``'s status; what the work wrote in
    PostgreSQL rolled back) or done (``done``'s status of its answer). The one path of a route
    (``guarded``) and a command (walletsvc/commands/acting.py)."""
    g.acting = current
    if not current.operator.holds(roles):
        record(current, action, RoleRequired.status)
        raise RoleRequired(f"needs one of {', '.join(sorted(roles))}")
    try:
        answer = work()
    except Exception as exc:
        current.conn.rollback()
        record(current, action, failed(exc))
        raise
    record(current, action, done(answer))
    return answer


def _authenticate(directory: Directory) -> Operator:
    """Return the operator from the bearer token, or from the signed-in session (its idle and
    absolute timeouts and, for a change, its CSRF token: walletsvc/signin/session.py)."""
    request = current_request()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = directory.authenticate(token.strip())
        if found is None:
            raise OperatorUnknown(
                "the token is unknown, expired or revoked (the shared admin key is retired: "
                "each operator has their own token, docs/operators.md)")
        return found
    found = signed_in(directory)
    if found is not None:
        return found
    raise OperatorUnknown()


def _target(declaration: Guard, path: dict[str, str]) -> str:
    if declaration.target and declaration.target in path:
        return f"{declaration.target.removesuffix('_id')}:{path[declaration.target]}"
    return ""


def _asked_reason() -> str:
    request = current_request()
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict) and isinstance(body.get("reason"), str):
        return str(body["reason"])[:500]
    return request.headers.get("X-Reason", "")[:500]


def _status(answer: Any) -> int:
    if isinstance(answer, Response):
        return answer.status_code
    if isinstance(answer, tuple) and len(answer) > 1 and isinstance(answer[1], int):
        return answer[1]
    return 200


def record(current: Acting, action: str, outcome: int) -> None:
    """Append the entry of what ``current`` did and commit it with what the action changed
    in PostgreSQL; log the chain's new head (a copy of it kept outside the database)."""
    entry = AuditEntry(
        action=action, target=current.target, actor=current.operator.id,
        actor_name=current.operator.name, roles=tuple(current.operator.roles),
        address=current.address, request_id=current.request_id, outcome=outcome,
        reason=current.reason,
        before=current.before, after=current.after)
    recorded = append(current.conn, entry)
    current.conn.commit()
    log.info("audit_head", extra={"fields": {"seq": recorded.seq, "hash": recorded.hash}})
