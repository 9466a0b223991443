"""The pages of oversight: the operators' audit log (auditors, compliance), with its filters,
its CSV export and the chain's check.

They record the admin API's actions (``audit.view``, ``audit.verify``): reading the audit log is
itself in it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from walletsvc.access import audit_log, roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.console.web import bp, from_htmx, page
from walletsvc.context import current_request
from walletsvc.errors import InvalidRequest
from walletsvc.presenters.access import audit_entry_view, verification_view

AUDIT_PAGE = 50
_FILTERS = ("actor", "action", "target", "since", "until")


@bp.get("/audit")
@guarded(roles.READ_AUDIT, "audit.view")
def audit() -> tuple[str, int]:
    """Show the audit log, oldest first, a page at a time, filtered as the form asks."""
    asked = {name: current_request().args.get(name, "").strip() for name in _FILTERS}
    filters = _filters(asked)
    after = _after(current_request().args.get("after", "0"))
    note(after={name: value for name, value in asked.items() if value})
    shown = [audit_entry_view(r) for r in audit_log.read(acting().conn, filters, after,
                                                         AUDIT_PAGE)]
    export = {"format": "csv", "actor": filters.actor, "action": filters.action,
              "target": filters.target, "since": _iso(filters.since),
              "until": _iso(filters.until)}
    template = "console/_audit_rows.html" if from_htmx() else "console/audit.html"
    return page(template, entries=shown, asked=asked,
                kept={name: value for name, value in asked.items() if value},
                more=shown[-1]["seq"] if len(shown) == AUDIT_PAGE else None,
                export={name: value for name, value in export.items() if value})


@bp.post("/audit/verify")
@guarded(roles.READ_AUDIT, "audit.verify")
def verify() -> tuple[str, int]:
    """Walk the whole chain and show whether any entry was changed, inserted or removed."""
    found = verification_view(audit_log.verify(acting().conn))
    note(after={"entries": found["entries"], "ok": found["ok"]})
    return page("console/audit_verified.html", found=found)


def _filters(asked: dict[str, str]) -> audit_log.Filters:
    """Read the form: an operator by name or id, and whole days (UTC), ``until`` included."""
    actor = None
    if asked["actor"]:
        found = acting().directory.by_name(asked["actor"])
        actor = found.id if found is not None else asked["actor"]
    until = _day(asked["until"])
    return audit_log.Filters(actor=actor, action=asked["action"] or None,
                             target=asked["target"] or None, since=_day(asked["since"]),
                             until=until + timedelta(days=1) if until else None)


def _day(written: str) -> datetime | None:
    if not written:
        return None
    try:
        return datetime.combine(date.fromisoformat(written), datetime.min.time(), UTC)
    except ValueError:
        raise InvalidRequest(f"{written!r} is not a date (YYYY-MM-DD)") from None


def _after(written: str) -> int:
    if not written.isdigit():
        raise InvalidRequest("after must be an entry's number")
    return int(written)


def _iso(moment: datetime | None) -> Any:
    return moment.isoformat() if moment else None
