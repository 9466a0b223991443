"""The words a page shows for the service's codes (events, states, limits, periods...): the
codes stay the API's, what a person reads comes from the catalogues."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

# Keyed by the code in lower case; one word per meaning (a deposit is a deposit, whether a
# movement, a money request or a limit).
WORDS: dict[str, Any] = {
    "opened": _l("opened"), "closed": _l("closed"), "close": _l("closed"),
    "open": _l("open"), "expired": _l("expired"),
    "debit": _l("bet"), "credit": _l("win"), "rollback": _l("rollback"),
    "tombstone": _l("blocked reference"), "deposit": _l("deposit"),
    "withdrawal": _l("withdrawal"), "correction": _l("correction"), "created": _l("created"),
    "blocked": _l("blocked"), "unblocked": _l("unblocked"),
    "pending": _l("pending"), "approved": _l("approved"), "rejected": _l("rejected"),
    "failed": _l("failed"), "all": _l("all"),
    "wager": _l("wager"), "loss": _l("loss"), "bet": _l("largest bet"),
    "session_time": _l("session time"), "play_time": _l("play time"),
    "day": _l("day"), "week": _l("week"), "month": _l("month"),
    "player": _l("the player"), "operator": _l("the operator"), "register": _l("a register"),
    "real": _l("real money"), "bonus": _l("bonus"),
    "person": _l("person"), "service": _l("service account"),
}


def word(code: str | None) -> str:
    """Return what the reader reads for ``code`` (the code itself when it has no word)."""
    if not code:
        return "—"
    found = WORDS.get(code.lower())
    return str(found) if found is not None else code
