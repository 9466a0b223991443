"""Reports from the ledger (PostgreSQL), for the roles each names, as JSON or CSV.

These are the only routes that read PostgreSQL; while it is down they answer 503
LEDGER_UNAVAILABLE in the GPAS error shape, and every other route carries on without it. They
are the operator process's (``create_app(serves=...)``), never a GPAS worker's: a statement
streams hundreds of thousands of lines. Its answer is written while its rows are read, so a
failure part-way ends the answer short (no closing bracket, no final chunk), never with a
statement that looks whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema

from walletsvc.access import roles
from walletsvc.access.guard import guarded
from walletsvc.api.contract import contract
from walletsvc.ledger.book import open_book
from walletsvc.ledger.statement import Statement
from walletsvc.presenters.gpas import reconciliation_rows
from walletsvc.presenters.ledger import liability_view, statement_head, statement_lines
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
from walletsvc.tables import stream_csv, stream_json

bp = Blueprint("ledger", __name__, url_prefix="/admin/ledger")
_UNAVAILABLE = (503,)


def _csv(rows: Iterable[dict[str, Any]], schema: type[Schema], name: str) -> Response:
    """Answer ``rows`` (as ``schema`` dumps them) as a CSV file, written as they come."""
    return Response(stream_csv(rows, list(shared(schema).fields)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


@bp.get("/wallets/<wallet_id>/statement")
@guarded(roles.READ_PLAYER, "statement.view", "wallet_id")
@contract(query=LedgerRangeQuerySchema, answer=StatementSchema, csv=True, errors=_UNAVAILABLE,
          description="The wallet's balances and movements over the dates")
def statement(query: dict[str, Any], wallet_id: str) -> Response:
    """Return a player's statement for any date range the ledger keeps."""
    return streamed_statement(wallet_id, query["date_from"], query["date_to"], query["format"])


def streamed_statement(wallet_id: str, date_from: date, date_to: date, output: str) -> Response:
    """Answer the wallet's statement as JSON or CSV, its lines read while it is written (the
    API's route and the console's download)."""
    with contextlib.ExitStack() as held:
        book = held.enter_context(open_book(services()))
        found = book.reports.statement(wallet_id, date_from, date_to)
        answer = _statement_answer(found, output)
        # The lines are read while the answer is written: the connection closes with it.
        answer.call_on_close(held.pop_all().close)
    return answer


def _statement_answer(found: Statement, output: str) -> Response:
    lines = statement_lines(found, services().currencies)
    if output == "csv":
        return _csv(lines, StatementLineSchema, f"statement-{found.wallet_id}")
    return Response(stream_json(statement_head(found, services().currencies), "lines", lines),
                    mimetype="application/json")


@bp.get("/liabilities")
@guarded(roles.REPORTS, "report.liabilities")
@contract(query=LedgerRangeQuerySchema, answer=LiabilitiesSchema, csv=True,
          errors=_UNAVAILABLE, description="One row per (UTC day, currency)")
def liabilities(query: dict[str, Any]) -> Any:
    """Return the sum of player balances per currency at the end of each day."""
    with open_book(services()) as book:
        rows = book.reports.liabilities(query["date_from"], query["date_to"])
    views = [liability_view(row, services().currencies) for row in rows]
    if query["format"] == "csv":
        return _csv(shared(LiabilitySchema).dump(views, many=True), LiabilitySchema,
                    "liabilities")
    return {"data": views}


@bp.get("/reconciliation")
@guarded(roles.REPORTS, "report.reconciliation")
@contract(query=LedgerReconciliationQuerySchema, answer=LedgerReconciliationSchema, csv=True,
          errors=_UNAVAILABLE, description="One row per (UTC date, provider, game, currency)")
def reconciliation(query: dict[str, Any]) -> Any:
    """Return the GPAS reconciliation report of any past dates, from the ledger."""
    with open_book(services()) as book:
        rows = book.reconciliation.report(query["date_from"], query["date_to"],
                                          query.get("provider_code"))
    views = reconciliation_rows(rows)
    if query["format"] == "csv":
        return _csv(shared(ReconciliationRowSchema).dump(views, many=True),
                    ReconciliationRowSchema, "reconciliation")
    return {"status": "success", "data": views}
