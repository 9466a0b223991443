"""A wallet's history: its statement for any dates and its balances at a past moment, both read
from the ledger (PostgreSQL), which holds the movements its exporter has written, seconds
behind the store.

The statement page shows its first LINES_SHOWN lines and says how many more the CSV holds; the
CSV streams every line from the ledger's cursor (the admin API's own answer). Both record the
admin API's ``statement.view`` (the API records its CSV so too), noting the dates and format;
a past balance records ``wallet.balance-at``, noting the moment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

from flask import url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from walletsvc.access import roles
from walletsvc.access.guard import acting, guarded, note
from walletsvc.api.ledger import streamed_statement
from walletsvc.clock import iso_utc
from walletsvc.console.web import bp, page
from walletsvc.context import current_request
from walletsvc.errors import InvalidRequest
from walletsvc.ledger.book import open_book
from walletsvc.ledger.history import PastBalance, balance_at
from walletsvc.ledger.records import millis, moment
from walletsvc.ledger.reports import MAX_STATEMENT_DAYS
from walletsvc.money import from_minor
from walletsvc.presenters.ledger import statement_head, statement_lines
from walletsvc.schemas.ledger import LedgerRangeQuerySchema
from walletsvc.services import services

# Lines a statement page holds: a month of a busy wallet; the CSV has every line.
LINES_SHOWN = 500


@bp.get("/wallets/<wallet_id>/statement")
@guarded(roles.READ_PLAYER, "statement.view", "wallet_id")
def statement(wallet_id: str) -> BaseResponse | tuple[str, int]:
    """Show the wallet's balances at the start and end of the dates and its first lines, or
    (``format=csv``) download every line."""
    args = current_request().args
    first, last = default_days()
    asked = {"from": args.get("from", "").strip() or first.isoformat(),
             "to": args.get("to", "").strip() or last.isoformat()}
    output = "csv" if args.get("format") == "csv" else "html"
    note(after={**asked, "format": output})
    try:
        days = _days(asked)
        if output == "csv":
            return streamed_statement(wallet_id, *days, "csv")
        return _statement_page(wallet_id, asked, days)
    except InvalidRequest as refused:
        note(reason=str(refused.body()["message"]))
        return page("console/statement.html", 400, wallet_id=wallet_id, asked=asked,
                    found=None, most_days=MAX_STATEMENT_DAYS)


@bp.get("/wallets/<wallet_id>/balance-at")
@guarded(roles.READ_PLAYER, "wallet.balance-at", "wallet_id")
def past_balance(wallet_id: str) -> tuple[str, int]:
    """Show the wallet's balances right after its last movement at or before a moment (UTC),
    the movement that set them, and how far the ledger goes."""
    written = current_request().args.get("at", "").strip()
    at = _moment(written)
    if at is None:
        return page("console/balance_at.html", 400, wallet_id=wallet_id, asked=written,
                    found=None)
    note(after={"at": at.isoformat()})
    found = balance_at(acting().conn, wallet_id, at)
    return page("console/balance_at.html", wallet_id=wallet_id, asked=written,
                found=_past_view(found), future=at > moment(services().clock()))


def default_days() -> tuple[date, date]:
    """Return the statement's default dates: the current month (UTC) so far."""
    today = moment(services().clock()).date()
    return today.replace(day=1), today


def default_moment() -> str:
    """Return now (UTC) as the balance form's date and time input writes it."""
    return moment(services().clock()).strftime("%Y-%m-%dT%H:%M")


def _statement_page(wallet_id: str, asked: dict[str, str], days: tuple[date, date]
                    ) -> tuple[str, int]:
    currencies = services().currencies
    with open_book(services()) as book:
        found = book.reports.statement(wallet_id, *days)
        try:
            lines = [_line(view) for view in islice(statement_lines(found, currencies),
                                                     LINES_SHOWN)]
        finally:
            found.lines.close()  # the rest stays in the database: the CSV has it
    days_asked: dict[str, Any] = asked  # "from" is a word of Python's: no keyword argument
    csv_url = url_for("console.statement", wallet_id=wallet_id, format="csv", **days_asked)
    return page("console/statement.html", wallet_id=wallet_id, asked=asked,
                found=statement_head(found, currencies), lines=lines, csv_url=csv_url,
                more=found.count - len(lines), most_days=MAX_STATEMENT_DAYS)


def _line(view: dict[str, Any]) -> dict[str, Any]:
    """A statement's line as the page shows it: its amount signed as it moved the balance."""
    return {**view, "signed": view["real"] + view["bonus"],
            "after": view["realAfter"] + view["bonusAfter"]}


def _days(asked: dict[str, str]) -> tuple[date, date]:
    try:
        loaded = LedgerRangeQuerySchema().load({"date_from": asked["from"],
                                                "date_to": asked["to"]})
    except ValidationError as exc:
        raise InvalidRequest(details={"fields": exc.messages}) from None
    return loaded["date_from"], loaded["date_to"]


def _moment(written: str) -> datetime | None:
    """Read the form's date and time as UTC (the console's clock); None if it is not one."""
    try:
        at = datetime.fromisoformat(written)
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _past_view(found: PastBalance) -> dict[str, Any]:
    scale = services().currencies.scale(found.currency)
    moved = found.movement
    return {
        "currency": found.currency, "at": _iso(found.at), "existed": found.existed,
        "created": _iso(found.created_at), "asOf": _iso(found.as_of),
        "later": found.at > found.as_of,
        "real": from_minor(found.real, scale), "bonus": from_minor(found.bonus, scale),
        "total": from_minor(found.real + found.bonus, scale),
        "movement": None if moved is None else {
            "at": _iso(moved.at), "event": moved.event, "reference": moved.reference,
            "sessionId": moved.session_id, "movementId": moved.movement_id},
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else iso_utc(millis(at))
