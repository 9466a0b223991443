"""``walletsvc reconciliation``: the report GPAS receives, from Redis's counters."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from walletsvc.access import roles
from walletsvc.commands.acting import as_operator
from walletsvc.commands.output import echo_rows, one_line_failures, report_options
from walletsvc.schemas.reconciliation import ReconciliationRowSchema
from walletsvc.services import services


@click.command("reconciliation")
@report_options
@with_appcontext
@as_operator(roles.REPORTS, "report.gpas-reconciliation")
def reconciliation(date_from: datetime, date_to: datetime, provider: str | None,
                   output: str) -> None:
    """Print the reconciliation report of a UTC date range, as GPAS receives it."""
    with one_line_failures():
        rows = services().reconciliation.report(date_from.date(), date_to.date(), provider)
    echo_rows(rows, ReconciliationRowSchema, output)


