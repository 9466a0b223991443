"""The pages that read a player's data: search, a wallet, its movements, a session's story.

Each records the audit action of the admin API's view of the same data (``wallet.view``,
``movement.list``, ``session.view``), so the audit log tells who read what whichever door
they used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.console.history import default_days, default_moment
from walletsvc.console.web import bp, from_htmx, page
from walletsvc.context import current_request
from walletsvc.domain.protection.limits import ORIGINS
from walletsvc.errors import InvalidRequest, ResourceNotFound
from walletsvc.ledger.lookup import Found, movements_of_reference, wallets_of_player
from walletsvc.presenters.operator import movement_page_view, session_view, wallet_view
from walletsvc.schemas.protection import LIMIT_NAMES, PERIOD_NAMES
from walletsvc.services import services

SESSIONS_SHOWN = 10
MOVEMENTS_PER_PAGE = 20
_QUERY_KEPT = 200


@bp.get("/")
@guarded(roles.ANY_OPERATOR, "console.home")
def home() -> tuple[str, int]:
    """Show the operator who they are, their roles, and the search box if they may read."""
    return page("console/home.html", may_search=_may_read())


@bp.get("/search")
@guarded(roles.READ_PLAYER, "console.search")
def search() -> BaseResponse | tuple[str, int]:
    """Open the wallet, session, player's wallet or movement the text names; list them when
    it names several; say so when it names none (a player and a reference are found in the
    ledger, as of its last export)."""
    asked = current_request().args.get("q", "").strip()[:_QUERY_KEPT]
    if not asked:
        return page("console/search.html", asked="", found=True)
    note(target=f"search:{asked}")
    if _exists(lambda: services().operator.wallet(asked)):
        return redirect(url_for("console.wallet", wallet_id=asked))
    if _exists(lambda: services().operator.session(asked)):
        return redirect(url_for("console.story", session_id=asked))
    conn = acting().conn
    found = (wallets_of_player(conn, asked)
             or movements_of_reference(conn, services().config.parent_systems, asked))
    if len(found) == 1:
        return redirect(_place(found[0]))
    return page("console/search.html", 200 if found else 404, asked=asked,
                found=bool(found), places=[(f, _place(f)) for f in found])


@bp.get("/wallets/<wallet_id>")
@guarded(roles.READ_PLAYER, "wallet.view", "wallet_id")
def wallet(wallet_id: str) -> tuple[str, int]:
    """Show a wallet: balances, state, limits and pause, recent sessions, movements."""
    found = services()
    shown = wallet_view(found.operator.wallet(wallet_id), found.currencies)
    stories = found.operator.sessions(wallet_id, SESSIONS_SHOWN)
    operator = acting().operator
    return page("console/wallet.html", wallet=shown,
                protection=found.protection.report(wallet_id),
                sessions=[session_view(s, False, found.currencies) for s in stories],
                movements=_movements(wallet_id, None), wallet_id=wallet_id,
                may_protect=operator.holds(roles.PROTECT_PLAYER),
                may_block=operator.holds(roles.BLOCK_PLAYER),
                may_lift=operator.holds(roles.LIFT_PROTECTION),
                may_ask=operator.holds(roles.ASK_MONEY), limit_names=LIMIT_NAMES,
                period_names=PERIOD_NAMES, origins=ORIGINS, statement_days=default_days(),
                moment_now=default_moment())


@bp.get("/wallets/<wallet_id>/movements")
@guarded(roles.READ_PLAYER, "movement.list", "wallet_id")
def movements(wallet_id: str) -> tuple[str, int]:
    """Show a page of the wallet's movements (htmx asks for the table alone)."""
    cursor = current_request().args.get("cursor") or None
    shown = _movements(wallet_id, cursor)
    template = "console/_movements.html" if from_htmx() else "console/movements.html"
    return page(template, movements=shown, wallet_id=wallet_id)


@bp.get("/sessions/<session_id>")
@guarded(roles.READ_PLAYER, "session.view", "session_id")
def story(session_id: str) -> tuple[str, int]:
    """Show a session's story: every bet, win and rollback, in order."""
    found = services()
    shown = session_view(found.operator.session(session_id), True, found.currencies)
    return page("console/session.html", story=shown)


def _place(found: Found) -> str:
    """Return the page of a wallet found, or of the session its movement was in."""
    if found.session_id:
        return url_for("console.story", session_id=found.session_id)
    return url_for("console.wallet", wallet_id=found.wallet_id)


def _movements(wallet_id: str, cursor: str | None) -> dict[str, Any]:
    shown, currency = services().operator.movements(wallet_id, cursor, MOVEMENTS_PER_PAGE)
    return {**movement_page_view(shown, currency, services().currencies), "currency": currency}


def _exists(read: Callable[[], object]) -> bool:
    try:
        read()
    except (ResourceNotFound, InvalidRequest):
        return False
    return True


def _may_read() -> bool:
    return acting().operator.holds(roles.READ_PLAYER)
