"""The operators' audit log, read by auditors and compliance: pages, CSV, the chain's check.

Reading it is itself recorded (``audit.view``, ``audit.export``, ``audit.verify``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from walletsvc.access import audit_log, roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.contract import contract
from walletsvc.presenters.access import audit_entry_view, verification_view
from walletsvc.schemas import shared
from walletsvc.schemas.access import (
    AuditQuerySchema,
    AuditVerificationSchema,
    OperatorAuditEntrySchema,
    OperatorAuditPageSchema,
)
from walletsvc.tables import stream_csv

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _filters(query: dict[str, Any]) -> audit_log.Filters:
    return audit_log.Filters(actor=query["actor"], action=query["action"],
                             target=query["target"], since=query["since"],
                             until=query["until"])


@bp.get("")
@guarded(roles.READ_AUDIT, "audit.view")
@contract(query=AuditQuerySchema, answer=OperatorAuditPageSchema, csv=True,
          description="Entries oldest first; CSV holds every match")
def entries(query: dict[str, Any]) -> Any:
    """Read the audit log a page at a time, or export every matching entry as CSV."""
    filters = _filters(query)
    note(after={key: str(value) for key, value in query.items() if value})
    if query["format"] == "csv":
        # Read whole before the answer: the guard's connection closes when the view returns.
        rows = [audit_entry_view(r) for r in audit_log.read(acting().conn, filters,
                                                              query["after"])]
        return Response(stream_csv(rows, list(shared(OperatorAuditEntrySchema).fields)),
                        mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
    page = [audit_entry_view(r) for r in audit_log.read(acting().conn, filters, query["after"],
                                                        query["limit"])]
    more = len(page) == query["limit"]
    return {"entries": page, "next": page[-1]["seq"] if more else None}


@bp.post("/verify")
@guarded(roles.READ_AUDIT, "audit.verify")
@contract(answer=AuditVerificationSchema, description="What a walk of the whole chain found")
def verify() -> dict[str, Any]:
    """Walk the whole chain and report every entry changed, inserted or removed."""
    found = verification_view(audit_log.verify(acting().conn))
    note(after={"entries": found["entries"], "ok": found["ok"]})
    return found
