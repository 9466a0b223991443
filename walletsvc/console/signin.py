"""The console's sign-in page and sign-out button.

The page offers the identity provider (a link to /admin/signin/oidc, which brings the person
back here) and the local form: name, password and TOTP code, posted to the console, which signs
in exactly as the API's route does (walletsvc/api/signin.py records every attempt). Before
anyone is signed in the form carries a token of its own, kept in the cookie: a page elsewhere
cannot sign a browser in to an account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets

from flask import current_app, redirect, render_template, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access.guard import public
from walletsvc.api import signin as signin_api
from walletsvc.console.web import bp
from walletsvc.context import current_request
from walletsvc.errors import SignInFailed

_FORM_TOKEN = "console_signin_csrf"  # noqa: S105 (the session key holding it)


def _next_page() -> str:
    """Return the console page to go to after signing in (never another site)."""
    request = current_request()
    asked = request.values.get("next", "")
    return asked if signin_api.console_path(asked) else url_for("console.home")


def _form(status: int = 200, failed: bool = False, signed_out: bool = False,
          again: bool = False) -> tuple[str, int]:
    if current_app.secret_key and _FORM_TOKEN not in session:
        session[_FORM_TOKEN] = secrets.token_urlsafe(32)
    return render_template(
        "console/signin.html", operator=None, nav=[], next_page=_next_page(),
        csrf_token=session.get(_FORM_TOKEN, ""), failed=failed, signed_out=signed_out, again=again,
        available=bool(current_app.secret_key)), status


@bp.get("/signin")
@public("the console's sign-in page: no operator is known yet")
def signin_page() -> tuple[str, int]:
    """Show the sign-in page: the identity provider's button and the local form."""
    asked = current_request().args
    return _form(signed_out=asked.get("signed_out") == "1", again=asked.get("again") == "1")


@bp.post("/signin")
@public("signs in with a password and a TOTP code from the console's form")
def signin_form() -> BaseResponse | tuple[str, int]:
    """Sign in with the form's name, password and code; go to the page asked for."""
    form = current_request().form
    sent, kept = form.get("csrf_token", ""), str(session.get(_FORM_TOKEN, ""))
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        return _form(400, failed=True)
    try:
        signin_api.sign_in_locally(form.get("name", "")[:200], form.get("password", "")[:1000],
                                   form.get("totp", "")[:20])
    except SignInFailed:
        return _form(401, failed=True)
    return redirect(_next_page())


@bp.post("/signout")
@public("ends the caller's own session, which it checks as the guard does (CSRF token too)")
def signout() -> BaseResponse:
    """Sign out everywhere and show the sign-in page."""
    signin_api.sign_out()
    return redirect(url_for("console.signin_page", signed_out="1"))
