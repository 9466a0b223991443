"""The support console: the pages people use in a browser, under /console (docs/console.md).

Server-rendered with Jinja; htmx (a vendored static file, static/htmx.min.js) replaces parts of
a page, and every page also works as plain links and forms. Every route but sign-in is
``@guarded`` like the admin API's, and a page that reads a player's data records the same audit
action as the API's view of it. ``web`` holds what every page shares (security headers, errors
as pages, the navigation); ``locale`` the language and the formats of amounts and dates;
``codes`` the words for the service's codes; ``signin`` the sign-in page; ``player`` search, the
wallet and a session's story; ``history`` a wallet's statement for any dates and its balance
at a past moment; ``money`` the money requests' form and queue; ``protection`` the limit, pause
and block forms; ``oversight`` the audit log; ``operators`` the operators, their roles and their
tokens (admins); ``tokens`` one's own API tokens and what an admin's page of someone's shares
with it; ``reports`` reconciliation and the ledger's health.
"""

from __future__ import annotations

from flask import Flask

from walletsvc.console import (  # noqa: F401 (they add their routes)
    history,
    locale,
    money,
    operators,
    oversight,
    player,
    protection,
    reports,
    signin,
    tokens,
)
from walletsvc.console.web import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Set up the console's message catalogues and locale formats on the operator's app (its
    blueprint is one of the operator's: walletsvc/api/__init__.py)."""
    locale.init_app(app)
