"""Reports from the ledger (PostgreSQL), behind the admin key, as JSON or CSV.

These are the only routes that read PostgreSQL; while it is down they answer 503
LEDGER_UNAVAILABLE in the GPAS error shape, and every other route carries on without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema

from walletsvc.api.auth import require_bearer
from walletsvc.api.contract import contract
from walletsvc.ledger.book import open_book
from walletsvc.ledger.presenters import liability_view, statement_view
from walletsvc.presenters import reconciliation_rows
from walletsvc.schemas import shared
from walletsvc.schemas.ledger import (
    LedgerRangeQuerySchema,
    LedgerReconciliationQuerySchema,
    LedgerReconciliationSchema,
    LiabilitiesSchema,
    LiabilitySchema,
    StatementLineSchema,
    StatementSchema,
)
from walletsvc.schemas.reconciliation import ReconciliationRowSchema
from walletsvc.services import services
from walletsvc.tables import render

bp = Blueprint("ledger", __name__, url_prefix="/admin/ledger")
_UNAVAILABLE = (503,)


@bp.before_request
def authenticate() -> None:
    """Require the admin key, compared in constant time."""
    require_bearer(services().config.admin_api_key)


def _csv(rows: Sequence[Any], schema: type[Schema], name: str) -> Response:
    fields = list(shared(schema).fields)
    text = render(shared(schema).dump(rows, many=True), fields, "csv") + "\n"
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.get("/wallets/<wallet_id>/statement")
@contract(query=LedgerRangeQuerySchema, answer=StatementSchema, csv=True, errors=_UNAVAILABLE,
          description="The wallet's balances and movements over the dates")
def statement(query: dict[str, Any], wallet_id: str) -> Any:
    """Return a player's statement for any date range the ledger keeps."""
    with open_book(services()) as book:
        found = book.reports.statement(wallet_id, query["date_from"], query["date_to"])
    view = statement_view(found, services().currencies)
    if query["format"] == "csv":
        return _csv(view["lines"], StatementLineSchema, f"statement-{wallet_id}")
    return view


@bp.get("/liabilities")
@contract(query=LedgerRangeQuerySchema, answer=LiabilitiesSchema, csv=True,
          errors=_UNAVAILABLE, description="One row per (UTC day, currency)")
def liabilities(query: dict[str, Any]) -> Any:
    """Return the sum of player balances per currency at the end of each day."""
    with open_book(services()) as book:
        rows = book.reports.liabilities(query["date_from"], query["date_to"])
    views = [liability_view(row, services().currencies) for row in rows]
    if query["format"] == "csv":
        return _csv(views, LiabilitySchema, "liabilities")
    return {"data": views}


@bp.get("/reconciliation")
@contract(query=LedgerReconciliationQuerySchema, answer=LedgerReconciliationSchema, csv=True,
          errors=_UNAVAILABLE, description="One row per (UTC date, provider, game, currency)")
def reconciliation(query: dict[str, Any]) -> Any:
    """Return the GPAS reconciliation report of any past dates, from the ledger."""
    with open_book(services()) as book:
        rows = book.reconciliation.report(query["date_from"], query["date_to"],
                                          query.get("provider_code"))
    views = reconciliation_rows(rows)
    if query["format"] == "csv":
        return _csv(views, ReconciliationRowSchema, "reconciliation")
    return {"status": "success", "data": views}
