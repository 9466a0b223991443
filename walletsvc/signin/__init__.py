"""People sign in: with the operator's OpenID Connect provider, or with a password and a TOTP
code (docs/signin.md).

``session`` holds the rules of a signed-in session (its cookie, idle and absolute timeouts, the
CSRF token) and the check the guard runs on every cookie-authenticated request; ``local`` checks
passwords (argon2id) and TOTP codes; ``oidc`` is the OpenID Connect client (authlib);
``accounts`` keeps what sign-in stores of an operator. The routes are walletsvc/api/signin.py.
"""

from __future__ import annotations

from flask import Flask

from walletsvc.config import Config
from walletsvc.signin import oidc, session


def init_app(app: Flask, config: Config) -> None:
    """Sign the operator process's session cookie and register the identity provider."""
    session.configure(app, config)
    oidc.configure(app, config)
