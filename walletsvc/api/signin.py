"""Signing in and out: OpenID Connect, or a password with a TOTP code (docs/signin.md).

Each route comes before an operator is known, so it is ``@public``, and writes its own audit
entry: every sign-in that succeeded or failed (with the name or the subject tried, and why it
failed), every sign-out. A failed local sign-in answers 401 with one message whatever was wrong.
An identity the provider vouches for but no operator has answers 403; none is ever created.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from flask import Blueprint, Response, current_app, g, redirect, url_for
from flask import session as flask_session
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access.audit_log import AuditEntry, append
from walletsvc.access.directory import Directory, Operator
from walletsvc.access.guard import open_access, public
from walletsvc.api.contract import contract
from walletsvc.context import current_request
from walletsvc.errors import (
    AccessUnavailable,
    OperatorUnknown,
    SignInFailed,
    SignInRefused,
    SignInUnavailable,
    UnsupportedBody,
)
from walletsvc.schemas.signin import LocalSignInRequestSchema, SignedInSchema
from walletsvc.services import services
from walletsvc.signin import local, oidc, session
from walletsvc.signin.accounts import Accounts

bp = Blueprint("signin", __name__, url_prefix="/admin")
log = logging.getLogger("walletsvc.audit")
_NAME_KEPT = 100  # of a name tried, in the audit log
_AFTER_SIGNIN = "after_signin"  # the console page a person started an OIDC sign-in from


@bp.before_request
def _json_only() -> None:
    # A page elsewhere can POST a body without a Content-Type and no preflight; with JSON
    # required it cannot sign a browser in to an account of its choosing.
    request = current_request()
    if request.method == "POST" and request.content_length and not request.is_json:
        raise UnsupportedBody("send application/json")


@bp.after_request
def _not_stored(response: Response) -> Response:
    # The answers carry the session's CSRF token: no cache keeps them.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/signin/oidc")
@public("starts a sign-in: sends the browser to the identity provider")
def oidc_start() -> Response:
    """Send the browser to the identity provider (state, nonce, PKCE); a ``login_hint`` in the
    query goes along; a ``next`` console page is where the callback sends the person back."""
    _require_sessions()
    redirect_url = (services().config.oidc_redirect_url
                    or url_for("signin.oidc_callback", _external=True))
    hint = current_request().args.get("login_hint", "")[:_NAME_KEPT]
    answer = oidc.redirect_to_provider(redirect_url, hint or None)
    after = current_request().args.get("next", "")
    if console_path(after):
        flask_session[_AFTER_SIGNIN] = after
    return answer


def console_path(path: str) -> bool:
    """Tell whether ``path`` is a console page to return to (never another site)."""
    return (path == "/console" or path.startswith("/console/")) and "//" not in path \
        and "\\" not in path


@bp.get("/signin/oidc/callback")
@public("ends a sign-in: the identity provider sends the browser back before anyone is known")
@contract(answer=SignedInSchema, errors=(401, 403, 503), description="Signed in")
def oidc_callback() -> dict[str, Any] | BaseResponse:
    """Check the provider's ID token and sign its operator in."""
    _require_sessions()
    try:
        identity = oidc.identity_from_callback()
    except oidc.TokenRejected as exc:
        with _access() as conn:
            _record(conn, "signin.oidc", SignInFailed.status, reason=str(exc))
        raise SignInFailed() from None
    with _access() as conn:
        operator, linked = _operator_of(conn, identity)
        generation = _generation(conn, operator)
        _record(conn, "signin.oidc", 200, operator,
                reason="linked to the provider's subject by its verified email" if linked else "")
    after = flask_session.get(_AFTER_SIGNIN)
    # Signed in only once the audit log holds it.
    signed = session.begin(operator, "oidc", generation)
    if isinstance(after, str) and console_path(after):
        return redirect(after)  # a person who started from the console goes back to it
    return signed.view()


def _operator_of(conn: psycopg.Connection[Any], identity: oidc.Identity) -> tuple[Operator, bool]:
    """Return the operator of ``identity`` and whether it was linked to it now.

    A person not yet linked to any subject is linked on their first sign-in when the provider
    vouches for their email (``email_verified``) and no one else here has it; else an unknown
    subject is refused: nobody is created.
    """
    accounts = Accounts(conn)
    operator = Directory(conn).by_subject(identity.subject)
    linked = False
    if operator is None and identity.email and identity.email_verified:
        candidate = accounts.linkable_by_email(identity.email)
        operator = accounts.link_subject(candidate, identity.subject) if candidate else None
        linked = operator is not None
    refusal = ("no operator has this subject" if operator is None
               else "the operator is disabled" if operator.disabled
               else "a service account does not sign in" if operator.kind != "person"
               else "")
    if operator is None or refusal:
        conn.rollback()  # a link just made is not kept for an operator refused
        _record(conn, "signin.oidc", SignInRefused.status, operator, name=identity.subject,
                reason=f"{refusal} (email {identity.email or 'none'})")
        raise SignInRefused()
    return operator, linked


@bp.post("/signin/local")
@public("signs in with a password and a TOTP code: no operator is known yet")
@contract(body=LocalSignInRequestSchema, answer=SignedInSchema, errors=(401, 503),
          description="Signed in")
def local_signin(body: dict[str, Any]) -> dict[str, Any]:
    """Sign in with a name, a password and the authenticator's current code."""
    return sign_in_locally(body["name"], body["password"], body["totp"]).view()


def sign_in_locally(name: str, password: str, totp: str) -> session.Signed:
    """Check a name, password and code, record the attempt, and begin the session (the API's
    route and the console's form alike); raise SignInFailed whatever was wrong."""
    _require_sessions()
    with _access() as conn:
        found = local.attempt(Directory(conn), name, password, totp, services().clock())
        if found.operator is None:
            _record(conn, "signin.local", SignInFailed.status, name=name,
                    target=found.target, reason=found.reason)
            raise SignInFailed()
        generation = _generation(conn, found.operator)
        _record(conn, "signin.local", 200, found.operator)
    return session.begin(found.operator, "local", generation)


@bp.post("/signout")
@public("ends the caller's own session, which it checks as the guard does (CSRF token too)")
def signout() -> Response:
    """Sign out: this session and every other of the same operator end."""
    sign_out()
    return current_app.response_class(status=204)


def sign_out() -> None:
    """End the caller's session and every other of theirs, and record it (the API's route and
    the console's form alike)."""
    _require_sessions()
    with _access() as conn:
        operator = session.signed_in(Directory(conn), touch=False)
        if operator is None:
            raise OperatorUnknown()
        Accounts(conn).end_sessions(operator)
        _record(conn, "signin.signout", 204, operator)
    session.end()


@bp.get("/signin/session")
@public("tells the caller about their own session, which it checks as the guard does")
@contract(answer=SignedInSchema, errors=(401, 503), description="The signed-in session")
def current_session() -> dict[str, Any]:
    """Say who is signed in, with which roles, when the session idles out and ends."""
    _require_sessions()
    with _access() as conn:
        # Asking does not count as activity: a page that polls it keeps no session alive.
        operator = session.signed_in(Directory(conn), touch=False)
    if operator is None:
        raise OperatorUnknown()
    return session.current(operator).view()


def _require_sessions() -> None:
    if not current_app.secret_key:
        raise SignInUnavailable("WALLETSVC_SECRET_KEY is not set")


@contextmanager
def _access() -> Iterator[psycopg.Connection[Any]]:
    """The operators' database for one request; what was recorded is committed at the end."""
    conn = open_access(services().config.ledger_url)
    try:
        yield conn
        conn.commit()
    except psycopg.OperationalError as exc:
        raise AccessUnavailable(f"PostgreSQL failed: {type(exc).__name__}") from None
    finally:
        conn.close()


def _generation(conn: psycopg.Connection[Any], operator: Operator) -> int:
    found = Accounts(conn).session_generation(operator.id)
    return found or 0


def _record(conn: psycopg.Connection[Any], action: str, outcome: int,
            operator: Operator | None = None, name: str = "", target: str = "",
            reason: str = "") -> None:
    """Append a sign-in's audit entry and commit it (with what the sign-in changed)."""
    request = current_request()
    entry = AuditEntry(
        action=action, target=target or (f"operator:{operator.id}" if operator else ""),
        actor=operator.id if operator and outcome < 400 else "",
        actor_name=operator.name if operator and outcome < 400 else name[:_NAME_KEPT],
        roles=tuple(operator.roles) if operator and outcome < 400 else (),
        address=request.remote_addr or "", request_id=str(g.get("request_id", "")),
        outcome=outcome, reason=reason)
    recorded = append(conn, entry)
    conn.commit()
    log.info("audit_head", extra={"fields": {"seq": recorded.seq, "hash": recorded.hash}})
