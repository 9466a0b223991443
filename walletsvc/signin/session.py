"""The rules of a signed-in session, kept in Flask's signed cookie.

The cookie holds the operator's id, when they signed in and were last seen (the service clock's
milliseconds), how (``oidc`` or ``local``), a CSRF token, and the operator's session generation
when they signed in. Every cookie-authenticated request of a guarded route passes ``signed_in``
(walletsvc/access/guard.py), which refuses with 401:

- a session idle longer than WALLETSVC_SESSION_IDLE_MINUTES, or older than
  WALLETSVC_SESSION_MAX_HOURS (and forgets it);
- a POST, PUT, PATCH or DELETE without the header ``X-CSRF-Token`` (or a form's field
  ``csrf_token``) equal to the session's token: a page elsewhere can make a browser send the
  cookie, not read the token;
- a session of an operator who signed out since, anywhere (signing out adds one to their
  generation), or who is disabled.

A cookie signed with WALLETSVC_SECRET_KEY cannot be forged, only replayed: the timeouts and the
generation bound how long a copy stays good. ``recently_signed_in`` lets a sensitive action ask
for a fresh sign-in.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from flask import Flask, session

from walletsvc.access.directory import Directory, Operator
from walletsvc.clock import iso_utc
from walletsvc.config import Config
from walletsvc.context import current_request
from walletsvc.errors import OperatorUnknown
from walletsvc.signin.accounts import Accounts

log = logging.getLogger("walletsvc")
Via = Literal["oidc", "local"]
COOKIE = "walletsvc-operator"
SESSION_OPERATOR = "operator"  # the signed-in operator's id
_SIGNED_IN_AT = "signed_in_at"
_LAST_SEEN_AT = "last_seen_at"
_VIA = "via"
_CSRF = "csrf"
_GENERATION = "generation"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"  # the same token in a form's field (walletsvc/console)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def configure(app: Flask, config: Config) -> None:
    """Sign the session cookie with WALLETSVC_SECRET_KEY and set its flags.

    Without the key Flask keeps no session at all: nobody signs in, API tokens still work.
    """
    if not config.secret_key:
        return
    app.secret_key = config.secret_key
    secure = not config.operator_plain_http
    app.config.update(
        # __Host-: only this host, over https, may set it (no subdomain plants its own).
        SESSION_COOKIE_NAME=("__Host-" if secure else "") + COOKIE,
        SESSION_COOKIE_SECURE=secure, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_PATH="/",
        # Lax, not Strict: the provider's redirect back to the callback is a navigation from
        # another site, and the callback needs the state and nonce the cookie holds.
        SESSION_COOKIE_SAMESITE="Lax")


@dataclass(frozen=True)
class SessionRules:
    """How long a session may sit idle, and how long it lasts at most."""

    idle_ms: int
    max_ms: int

    @classmethod
    def of(cls, config: Config) -> SessionRules:
        """Return the rules the settings give."""
        return cls(config.session_idle_minutes * 60_000, config.session_max_hours * 3_600_000)


@dataclass(frozen=True)
class Signed:
    """A signed-in session as the operator is told of it."""

    operator: Operator
    via: str
    signed_in_at: int
    last_seen_at: int
    idle_until: int
    expires_at: int
    csrf_token: str

    def view(self) -> dict[str, Any]:
        """Return the session as ``GET /admin/signin/session`` answers it."""
        return {"operatorId": self.operator.id, "name": self.operator.name,
                "roles": sorted(self.operator.roles), "via": self.via,
                "signedInAt": iso_utc(self.signed_in_at), "idleUntil": iso_utc(self.idle_until),
                "expiresAt": iso_utc(self.expires_at), "csrfToken": self.csrf_token}


def _now_and_rules() -> tuple[int, SessionRules]:
    from walletsvc.services import services  # the container is built after this module

    found = services()
    return found.clock(), SessionRules.of(found.config)


def begin(operator: Operator, via: Via, generation: int) -> Signed:
    """Start a session for ``operator`` (whatever the cookie held before is dropped)."""
    now, rules = _now_and_rules()
    session.clear()
    session.update({SESSION_OPERATOR: operator.id, _SIGNED_IN_AT: now, _LAST_SEEN_AT: now,
                    _VIA: via, _CSRF: secrets.token_urlsafe(32), _GENERATION: generation})
    return _signed(operator, rules)


def end() -> None:
    """Forget the session: the answer deletes the cookie."""
    session.clear()


def signed_in(directory: Directory, touch: bool = True) -> Operator | None:
    """Return the operator of a live session (None: no session in this request).

    Raise OperatorUnknown when the session is over or the request lacks its CSRF token; with
    ``touch`` the session's idle time starts again.
    """
    operator_id = session.get(SESSION_OPERATOR)
    if not operator_id:
        return None
    now, rules = _now_and_rules()
    # A cookie without them (none is written so) counts as signed in at the epoch: over.
    signed_in_at = int(session.get(_SIGNED_IN_AT, 0))
    last_seen_at = int(session.get(_LAST_SEEN_AT, 0))
    if now - last_seen_at > rules.idle_ms or now - signed_in_at > rules.max_ms:
        end()
        raise OperatorUnknown("the session is over (idle too long, or too old): sign in again")
    _check_csrf()
    operator = directory.get(str(operator_id))
    generation = Accounts(directory.conn).session_generation(str(operator_id))
    if operator is None or operator.disabled or generation != session.get(_GENERATION):
        end()
        raise OperatorUnknown("the session was ended: sign in again")
    if touch:
        session[_LAST_SEEN_AT] = now
    return operator


def _check_csrf() -> None:
    request = current_request()
    if request.method not in UNSAFE_METHODS:
        return
    # A plain HTML form cannot send a header: the console's forms carry the token as a field.
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    if not hmac.compare_digest(sent.encode(), str(session.get(_CSRF, "")).encode()):
        raise OperatorUnknown(f"a change made with the session cookie needs the {CSRF_HEADER} "
                              "header of the session")


def current(operator: Operator) -> Signed:
    """Return the live session of ``operator`` (after ``signed_in`` returned it)."""
    return _signed(operator, _now_and_rules()[1])


def _signed(operator: Operator, rules: SessionRules) -> Signed:
    signed_in_at, last_seen_at = int(session[_SIGNED_IN_AT]), int(session[_LAST_SEEN_AT])
    expires_at = signed_in_at + rules.max_ms
    return Signed(operator, str(session[_VIA]), signed_in_at, last_seen_at,
                  min(last_seen_at + rules.idle_ms, expires_at), expires_at,
                  str(session[_CSRF]))


def recently_signed_in(seconds: int) -> bool:
    """Tell whether this request's session signed in at most ``seconds`` ago: a sensitive
    action asks for a fresh sign-in when it did not."""
    signed_in_at = session.get(_SIGNED_IN_AT)
    if not session.get(SESSION_OPERATOR) or signed_in_at is None:
        return False
    now, _ = _now_and_rules()
    return now - int(signed_in_at) <= seconds * 1000
