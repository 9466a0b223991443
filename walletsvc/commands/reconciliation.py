"""``walletsvc reconciliation``: the report GPAS receives, from Redis's counters."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from walletsvc.commands.output import DATE, FORMAT, one_line_failures
from walletsvc.schemas import shared
from walletsvc.schemas.reconciliation import ReconciliationRowSchema
from walletsvc.services import services
from walletsvc.tables import render


@click.command("reconciliation")
@click.option("--from", "date_from", type=DATE, required=True)
@click.option("--to", "date_to", type=DATE, required=True)
@click.option("--provider", default=None, help="Only this provider code.")
@click.option("--format", "output", type=FORMAT, default="table")
@with_appcontext
def reconciliation(date_from: datetime, date_to: datetime, provider: str | None,
                   output: str) -> None:
    """Print the reconciliation report of a UTC date range, as GPAS receives it."""
    with one_line_failures():
        rows = services().reconciliation.report(date_from.date(), date_to.date(), provider)
    schema = shared(ReconciliationRowSchema)
    click.echo(render(schema.dump(rows, many=True), list(schema.fields), output))


