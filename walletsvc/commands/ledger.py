"""``walletsvc ledger ...``: the exporter, schema, verify, restore, partitions and reports."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import click
import psycopg
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from walletsvc.access import roles
from walletsvc.commands.acting import as_operator
from walletsvc.commands.output import (
    DATE,
    FORMAT,
    echo_json,
    echo_rows,
    one_line_failures,
    report_options,
)
from walletsvc.ledger.accepted import AcceptRefused, accept
from walletsvc.ledger.book import open_book
from walletsvc.ledger.database import LedgerUnreachable, Partitions, connect, migrate
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.ledger.restore import RestoreRefused, restore
from walletsvc.ledger.statement import Statement
from walletsvc.ledger.summary import rebuild_reconciliation_daily
from walletsvc.ledger.verify import MAX_SUMMARY_DAYS, verify
from walletsvc.ledger.verify_report import report
from walletsvc.ledger.verify_runs import run_and_keep
from walletsvc.money import Currencies
from walletsvc.presenters.ledger import liability_view, statement_head, statement_lines
from walletsvc.schemas import shared
from walletsvc.schemas.ledger import LiabilitySchema, StatementLineSchema
from walletsvc.schemas.reconciliation import ReconciliationRowSchema
from walletsvc.services import Services, services
from walletsvc.store.outbox import Outbox
from walletsvc.tables import render, stream_csv, stream_json


def _url(found: Services) -> str:
    if not found.config.ledger_url:
        raise click.ClickException("WALLETSVC_LEDGER_URL is not set")
    return found.config.ledger_url


def _connect(found: Services) -> psycopg.Connection[tuple[Any, ...]]:
    try:
        return connect(_url(found))
    except LedgerUnreachable as exc:
        raise click.ClickException(str(exc)) from None


@click.group("ledger")
def ledger() -> None:
    """The ledger in PostgreSQL (WALLETSVC_LEDGER_URL): export, verify, restore, reports."""


@ledger.command("migrate")
@with_appcontext
def migrate_command() -> None:
    """Create or update the ledger's schema (the exporter does this too when it starts)."""
    with _connect(services()) as conn:
        echo_json({"applied": migrate(conn)})


@ledger.command("export")
@click.option("--follow", is_flag=True, help="Keep exporting until stopped (SIGTERM, Ctrl-C).")
@click.option("--per-shard", type=click.IntRange(1, 10_000), default=200,
              help="Entries read from each shard's outbox per batch.")
@click.option("--claim-idle", type=click.FloatRange(0), default=30.0,
              help="Seconds after which another consumer's pending entries are taken over.")
@with_appcontext
def export(follow: bool, per_shard: int, claim_idle: float) -> None:
    """Move the outbox entries into PostgreSQL; without --follow, what waits now, then exit."""
    found = services()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    exporter = Exporter(found.store.redis, _url(found),
                        ExportSettings(per_shard=per_shard, claim_idle_ms=int(claim_idle * 1000)))
    if not follow:
        try:
            stats = exporter.export_pending()
        except (psycopg.Error, LedgerUnreachable) as exc:
            raise click.ClickException(f"export stopped, entries wait in Redis: {exc}"
                                       ) from None
        finally:
            exporter.close()
        echo_json({"read": stats.read, "inserted": stats.inserted})
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    logging.getLogger("walletsvc.ledger").info("exporting as %s", exporter.consumer)
    stats = exporter.follow(stop)
    echo_json({"read": stats.read, "inserted": stats.inserted})


@ledger.command("status")
@with_appcontext
def status() -> None:
    """Show what waits in the outboxes for the ledger, and the lag."""
    backlog = Outbox(services().store.redis).backlog()
    echo_json({"pendingEntries": backlog.pending, "lagSeconds": backlog.lag_seconds()})


@ledger.command("verify")
@click.option("--wait", "wait_s", type=click.FloatRange(0), default=10.0,
              help="Seconds to look again while entries are still in flight.")
@click.option("--quiet", is_flag=True, help="Print nothing when every check passes (cron).")
@click.option("--summary-days", type=click.IntRange(1, MAX_SUMMARY_DAYS), default=2,
              help="UTC days, today included, whose reconciliation summary is checked.")
@with_appcontext
def verify_command(wait_s: float, quiet: bool, summary_days: int) -> None:
    """Check Redis against the ledger, balances and references, and the ledger's recent
    reconciliation summary against its entries; keep the run; exit 1 if any finding."""
    found = services()
    with _connect(found) as conn:
        migrate(conn)
        try:
            verdict = run_and_keep(conn, lambda: verify(
                found.store.redis, conn, now_ms=found.clock(),
                retention_ms=found.config.retention_ms, wait_s=wait_s,
                summary_days=summary_days))
        except (RedisError, psycopg.Error) as exc:
            raise click.ClickException(f"verify stopped: {type(exc).__name__}: {exc}") from None
    if not (quiet and verdict.clean):
        click.echo("\n".join(report(verdict, found.currencies)))
    if not verdict.clean:
        sys.exit(1)


@ledger.command("verify-accept")
@click.argument("reference")
@click.argument("movement_ids", nargs=-1, required=True)
@click.option("--parent-system", help="The parent system of a GPAS reference.")
@click.option("--wallet", "wallet_id", help="The wallet of an operator adjustment reference.")
@click.option("--note", required=True, help="What was done about it (the correction, GPAS).")
@with_appcontext
def verify_accept(reference: str, movement_ids: tuple[str, ...], parent_system: str | None,
                  wallet_id: str | None, note: str) -> None:
    """Accept a reference's extra applications as dealt with: verify stops counting them."""
    if (parent_system is None) == (wallet_id is None):
        raise click.UsageError("name the reference's --parent-system or --wallet (one of them)")
    with _connect(services()) as conn:
        migrate(conn)
        try:
            accept(conn, (parent_system, wallet_id), reference, list(movement_ids), note)
        except AcceptRefused as exc:
            raise click.ClickException(str(exc)) from None
    echo_json({"accepted": list(movement_ids)})


@ledger.command("rebuild-summary")
@click.option("--from", "date_from", type=DATE, required=True)
@click.option("--to", "date_to", type=DATE, required=True)
@with_appcontext
def rebuild_summary(date_from: datetime, date_to: datetime) -> None:
    """Replace the reconciliation summary of these UTC days by the sums of their entries."""
    first, last = date_from.date(), date_to.date()
    if first > last:
        raise click.UsageError("--from must not be after --to")
    with _connect(services()) as conn:
        migrate(conn)
        try:
            rebuilt = rebuild_reconciliation_daily(conn, first, last)
        except ValueError as exc:
            raise click.ClickException(f"nothing rebuilt: {exc}") from None
    echo_json({"from": first.isoformat(), "to": last.isoformat(),
               "days": (last - first).days + 1, "rowsBefore": rebuilt.before,
               "rowsAfter": rebuilt.after})


@ledger.command("restore")
@with_appcontext
def restore_command() -> None:
    """Rebuild from the ledger every shard of Redis that lost its data; run again to resume."""
    found = services()
    with _connect(found) as conn:
        try:
            stats = restore(found.store, conn, found.config.retention_ms, found.clock(),
                            found.protection.calendar)
        except RestoreRefused as exc:
            raise click.ClickException(str(exc)) from None
    echo_json({"shards": stats.shards, "wallets": stats.wallets, "records": stats.records,
                "streamEntries": stats.stream_entries, "counterHashes": stats.counters})


@ledger.command("drop-expired")
@click.option("--ahead", type=click.IntRange(0, 36), default=3,
              help="Months of partitions to create ahead of this one.")
@with_appcontext
def drop_expired(ahead: int) -> None:
    """Drop the month partitions past WALLETSVC_LEDGER_RETENTION_YEARS; create the next ones."""
    found = services()
    today = datetime.fromtimestamp(found.clock() / 1000, UTC).date()
    with _connect(found) as conn:
        migrate(conn)
        partitions = Partitions(conn)
        dropped = partitions.drop_expired(today, found.config.ledger_retention_years)
        created = partitions.create_ahead(today, ahead)
    echo_json({"dropped": dropped, "present": created})


@ledger.command("statement")
@click.argument("wallet_id")
@click.option("--from", "date_from", type=DATE, required=True)
@click.option("--to", "date_to", type=DATE, required=True)
@click.option("--format", "output", type=FORMAT, default="table",
              help="json and csv are written as the lines are read, as the admin API does.")
@with_appcontext
@as_operator(roles.READ_PLAYER, "statement.view", "wallet_id")
def statement(wallet_id: str, date_from: datetime, date_to: datetime, output: str) -> None:
    """Print a player's statement for any UTC date range the ledger keeps."""
    with one_line_failures(), open_book(services()) as book:
        found = book.reports.statement(wallet_id, date_from.date(), date_to.date())
        for chunk in _statement_text(found, services().currencies, output):
            click.echo(chunk, nl=False)


def _statement_text(found: Statement, currencies: Currencies, output: str) -> Iterator[str]:
    lines = statement_lines(found, currencies)
    fields = list(shared(StatementLineSchema).fields)
    if output == "json":
        yield from stream_json(statement_head(found, currencies), "lines", lines)
        yield "\n"
    elif output == "csv":
        yield from stream_csv(lines, fields)
    else:  # an aligned table needs every line's width first
        yield render(list(lines), fields, output) + "\n"


@ledger.command("liabilities")
@click.option("--from", "date_from", type=DATE, required=True)
@click.option("--to", "date_to", type=DATE, required=True)
@click.option("--format", "output", type=FORMAT, default="table")
@with_appcontext
@as_operator(roles.REPORTS, "report.liabilities")
def liabilities(date_from: datetime, date_to: datetime, output: str) -> None:
    """Print the sum of player balances per currency at the end of each UTC day."""
    with one_line_failures(), open_book(services()) as book:
        rows = book.reports.liabilities(date_from.date(), date_to.date())
    echo_rows([liability_view(row, services().currencies) for row in rows], LiabilitySchema,
              output)


@ledger.command("reconciliation")
@report_options
@with_appcontext
@as_operator(roles.REPORTS, "report.reconciliation")
def reconciliation(date_from: datetime, date_to: datetime, provider: str | None,
                   output: str) -> None:
    """Print the GPAS reconciliation report of any past UTC dates, from the ledger."""
    with one_line_failures(), open_book(services()) as book:
        rows = book.reconciliation.report(date_from.date(), date_to.date(), provider)
    echo_rows(rows, ReconciliationRowSchema, output)
