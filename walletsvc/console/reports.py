"""The finance and compliance pages: reconciliation and the ledger's health.

Reconciliation sets the report GPAS receives (``/reconciliation``, from Redis's counters) beside
the same report from the ledger (``/admin/ledger/reconciliation``), row by row, and opens each
row down to its movements in the ledger. The ledger's health says how far the ledger is behind
Redis and what ``ledger verify`` last found, judged by the alerts' own thresholds. Either page
says which side could not answer rather than failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from flask import Response
from marshmallow import ValidationError
from redis.exceptions import RedisError

from walletsvc.access import roles
from walletsvc.access.guard import guarded, note
from walletsvc.console.web import bp, from_htmx, page
from walletsvc.context import current_request
from walletsvc.domain.reconciliation import (
    DIFFERS,
    GONE,
    MEASURES,
    Compared,
    compare,
    totals,
)
from walletsvc.errors import InvalidRequest, LedgerUnavailable
from walletsvc.ledger.book import open_book
from walletsvc.ledger.records import day_start, millis
from walletsvc.ledger.reports import GameDay
from walletsvc.ledger.verify_runs import outcome, recent
from walletsvc.money import from_minor
from walletsvc.schemas.reconciliation import (
    ReconciliationMovementsQuerySchema,
    ReconciliationQuerySchema,
)
from walletsvc.services import services
from walletsvc.store.outbox import Backlog, Outbox
from walletsvc.tables import stream_csv

MOVEMENTS_PER_PAGE = 50
ROWS_SHOWN = 100
RUNS_SHOWN = 10
# The alerts' thresholds (config/prometheus/walletsvc-alerts.yml): WalletsvcLedgerLag fires
# above a minute of lag, WalletsvcLedgerVerifyStale when verify has not succeeded in 26 hours,
# WalletsvcLedgerVerifyFailed when its latest run found something.
LAG_ALERT_S = 60
VERIFY_STALE_S = 26 * 3600
T = TypeVar("T")


@dataclass(frozen=True)
class Asked:
    """The days (inclusive, UTC) and the provider the reconciliation form asks for."""

    date_from: date
    date_to: date
    provider_code: str | None

    def query(self) -> dict[str, str]:
        """Return the form's fields as a link carries them."""
        asked = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        return {**asked, "provider_code": self.provider_code} if self.provider_code else asked


@bp.get("/reconciliation")
@guarded(roles.REPORTS, "report.reconciliation")
def reconciliation() -> tuple[str, int]:
    """Show GPAS's reconciliation report beside the ledger's, with totals per currency."""
    asked = _asked()
    rows, problems = _compared(asked)
    note(after={**asked.query(), "rows": len(rows),
                "differences": sum(row.state == DIFFERS for row in rows)})
    # Those that differ first, in their order, then the others: what a person must look at
    # is on the page however many rows the days hold; the totals and the CSV count them all.
    shown = sorted(rows, key=lambda row: row.state != DIFFERS)[:ROWS_SHOWN]
    return page("console/reconciliation.html", asked=asked, rows=shown, all_rows=len(rows),
                totals=totals(rows), problems=problems, measures=MEASURES, lag=_lag_shown(asked),
                gone=sorted({row.date for row in rows if row.state == GONE}),
                kept_days=services().config.retention_days)


@bp.get("/reconciliation/export")
@guarded(roles.REPORTS, "report.reconciliation.export")
def reconciliation_export() -> Response:
    """Answer the page's rows as a CSV file: each figure on both sides, and the row's state."""
    asked = _asked()
    rows, _ = _compared(asked)
    note(after={**asked.query(), "rows": len(rows)})
    columns = ["date", "provider_code", "game_id", "game_name", "currency", "state",
               *(f"{side}_{m}" for m in MEASURES for side in ("gpas", "ledger"))]
    return Response(stream_csv(_csv_rows(rows), columns), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="reconciliation.csv"'})


@bp.get("/reconciliation/movements")
@guarded(roles.REPORTS, "report.reconciliation.movements")
def reconciliation_movements() -> tuple[str, int]:
    """Show a row's movements in the ledger, 50 at a time (htmx asks for the next rows)."""
    row, after = _game_day()
    note(target=f"reconciliation:{row.day}/{row.provider_code}/{row.game_id}/{row.currency}")
    with open_book(services()) as book:
        found = book.reports.game_movements(row, after, MOVEMENTS_PER_PAGE)
    scale = services().currencies.scale(row.currency)
    shown = [(m, from_minor(m.amount, scale)) for m in found]
    template = ("console/_reconciliation_movements.html" if from_htmx()
                else "console/reconciliation_movements.html")
    return page(template, row=row, movements=shown,
                more=found[-1].key if len(found) == MOVEMENTS_PER_PAGE else None)


@bp.get("/ledger")
@guarded(roles.REPORTS | roles.READ_AUDIT, "ledger.health")
def ledger_health() -> tuple[str, int]:
    """Show the ledger's lag behind Redis and ``ledger verify``'s latest runs."""
    backlog = _backlog()
    now_ms = services().clock()
    verified = _verify_record()
    lag_s = backlog.lag_seconds(now_ms) if backlog is not None else None
    note(after={"lagSeconds": lag_s, "pending": backlog.pending if backlog else None,
                "verifyFailed": verified["failed"] if verified else None})
    return page("console/ledger_health.html", backlog=backlog,
                lag_s=_tenths(lag_s) if lag_s is not None else None,
                lag_ok=lag_s is not None and lag_s <= LAG_ALERT_S, lag_alert_s=LAG_ALERT_S,
                verified=verified, stale_hours=VERIFY_STALE_S // 3600,
                verify_ok=_verify_ok(verified, now_ms))


def _asked() -> Asked:
    """Read the form with the report's own schema: one day (yesterday, UTC, unless told) or
    every day from ``date_from`` to ``date_to``; a range longer than the report allows, or
    backwards, is refused (by the report itself) before anything is read."""
    args = current_request().args
    yesterday = (_today() - timedelta(days=1)).isoformat()
    first = args.get("date_from", "").strip() or yesterday
    sent = {"date_from": first, "date_to": args.get("date_to", "").strip() or first}
    provider = args.get("provider_code", "").strip()
    try:
        loaded = ReconciliationQuerySchema().load(
            {**sent, **({"provider_code": provider} if provider else {})})
    except ValidationError as exc:
        raise InvalidRequest(details={"fields": exc.messages}) from None
    # Reconciliation.report refuses a backwards or too long range before it reads anything.
    return Asked(loaded["date_from"], loaded["date_to"],
                 (loaded.get("provider_code") or "").upper() or None)


def _compared(asked: Asked) -> tuple[list[Compared], list[str]]:
    """Read both sides; a side that cannot answer is named in the problems, not raised."""
    between = (asked.date_from, asked.date_to, asked.provider_code)
    problems = []
    gpas = _answer(lambda: services().reconciliation.report(*between))
    if gpas is None:
        problems.append("redis")
    try:
        with open_book(services()) as book:
            ledger = book.reconciliation.report(*between)
    except LedgerUnavailable:
        ledger, problems = None, [*problems, "ledger"]
    return compare(gpas, ledger, _redis_holds), problems


def _redis_holds(day: str) -> bool:
    """Tell whether Redis still keeps ``day``'s counters: they expire the retention period
    after the day's last movement, so surely kept only while its start is that recent."""
    start = millis(day_start(date.fromisoformat(day)))
    return start + services().config.retention_ms > services().clock()


def _lag_shown(asked: Asked) -> dict[str, Any] | None:
    """Return the ledger's lag when the days asked reach today (its rows may still be on
    their way), else None."""
    if asked.date_to < _today():
        return None
    backlog = _backlog()
    if backlog is None:
        return {"unknown": True}
    return {"unknown": False, "seconds": _tenths(backlog.lag_seconds(services().clock())),
            "pending": backlog.pending}


def _game_day() -> tuple[GameDay, str | None]:
    """Read the row (and where its page starts) from the link, with the query's schema."""
    args = current_request().args
    sent = {name: args[name] for name in ("day", "provider", "game", "currency", "after")
            if args.get(name)}
    try:
        loaded = ReconciliationMovementsQuerySchema().load(sent)
    except ValidationError as exc:
        raise InvalidRequest(details={"fields": exc.messages}) from None
    if loaded["currency"] not in services().currencies.codes():
        raise InvalidRequest(f"{loaded['currency']!r} is not a currency the wallets hold")
    row = GameDay(loaded["day"], loaded["provider"], loaded["game"], loaded["currency"])
    return row, loaded["after"]


def _verify_record() -> dict[str, Any] | None:
    """Return verify's outcome and its latest runs; None while the ledger cannot answer."""
    try:
        with open_book(services()) as book:
            found = outcome(book.conn)
            runs = recent(book.conn, RUNS_SHOWN)
    except LedgerUnavailable:
        return None
    last = datetime.fromtimestamp(found.last_success_s, UTC) if found.last_success_s else None
    return {"failed": found.failed, "last_success": last.isoformat() if last else None,
            "last_success_s": found.last_success_s, "runs": runs}


def _verify_ok(verified: dict[str, Any] | None, now_ms: int) -> bool:
    if verified is None or verified["failed"] or not verified["last_success_s"]:
        return False
    return bool(now_ms / 1000 - verified["last_success_s"] <= VERIFY_STALE_S)


def _csv_rows(rows: list[Compared]) -> Iterator[dict[str, Any]]:
    for row in rows:
        values = {f"{side}_{f.measure}": _text(getattr(f, side)) for f in row.figures
                  for side in ("gpas", "ledger")}
        yield {"date": row.date, "provider_code": row.provider_code, "game_id": row.game_id,
               "game_name": row.game_name, "currency": row.currency, "state": row.state,
               **values}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _backlog() -> Backlog | None:
    """Return what waits in the outboxes for the ledger, or None when Redis cannot say."""
    return _answer(lambda: Outbox(services().store.redis).backlog())


def _answer(read: Callable[[], T]) -> T | None:
    """Return what Redis answered, or None when it could not."""
    try:
        return read()
    except RedisError:
        return None


def _tenths(seconds: float) -> Decimal:
    """Return seconds to the tenth, as an exact decimal the page writes in the reader's way."""
    return Decimal(f"{seconds:.1f}")


def _today() -> date:
    return datetime.fromtimestamp(services().clock() / 1000, UTC).date()

