"""``walletsvc limits ...``: player protection from the command line (docs/player-protection.md).

The same operations as the admin API's /admin/wallets/{id}/limits and /pause, answering the
same JSON report; ``limits daily-report`` writes the regulator's CSV of a day's changes and
refusals from the ledger.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext

from walletsvc.access import roles
from walletsvc.clock import epoch_ms
from walletsvc.commands.acting import as_operator
from walletsvc.commands.output import DATE, echo_json, one_line_failures
from walletsvc.domain.protection.limits import KINDS, ORIGINS, PERIOD_CODES
from walletsvc.ledger.database import LedgerUnreachable, connect, migrate
from walletsvc.ledger.protection import FIELDS, daily
from walletsvc.money import AmountError, parse_decimal
from walletsvc.schemas import shared
from walletsvc.schemas.protection import ProtectionSchema
from walletsvc.services import services
from walletsvc.tables import stream_csv

F = TypeVar("F", bound=Callable[..., Any])
_LIMIT = click.Choice([name.upper() for name in KINDS], case_sensitive=False)
_PERIOD = click.Choice([name.upper() for name in PERIOD_CODES], case_sensitive=False)
_BY = click.option("--by", required=True, help="Who asks: the player, an operator, a register.")


def _reporting(func: F) -> F:
    """Run inside the app, print the wallet's protection report, fail in one clear line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with one_line_failures():
            echo_json(shared(ProtectionSchema).dump(func(*args, **kwargs)))

    return with_appcontext(wrapper)  # type: ignore[return-value]


def _value(_ctx: click.Context, _param: click.Parameter, value: str) -> Decimal | None:
    if value.lower() == "none":
        return None
    try:
        return parse_decimal(value)
    except AmountError as exc:
        raise click.BadParameter(str(exc)) from None


def _period(period: str | None) -> str | None:
    return period.lower() if period else None


@click.group("limits")
def limits() -> None:
    """Player protection: limits, pauses and self-exclusion, and the regulator's report."""


@limits.command("show")
@click.argument("wallet_id")
@_reporting
@as_operator(roles.READ_PLAYER, "limits.view", "wallet_id")
def show(wallet_id: str) -> Any:
    """Show limits, pending changes, use and headroom per period, next resets and the pause."""
    return services().protection.report(wallet_id)


@limits.command("set")
@click.argument("wallet_id")
@click.option("--limit", "limit", type=_LIMIT, required=True)
@click.option("--period", type=_PERIOD, default=None, help="DAY, WEEK or MONTH, if it has one.")
@click.option("--value", required=True, callback=_value,
              help="Money in the wallet's currency, seconds for time limits; 'none' removes.")
@_BY
@_reporting
@as_operator(roles.PROTECT_PLAYER, "limits.set", "wallet_id")
def set_limit(wallet_id: str, limit: str, period: str | None, value: Decimal | None,
              by: str) -> Any:
    """Set or lower a limit at once; raise or remove one after the cooling-off."""
    return services().protection.set_limit(wallet_id, limit.lower(), _period(period), value, by)


@limits.command("cancel")
@click.argument("wallet_id")
@click.option("--limit", "limit", type=_LIMIT, required=True)
@click.option("--period", type=_PERIOD, default=None)
@_BY
@_reporting
@as_operator(roles.PROTECT_PLAYER, "limits.cancel", "wallet_id")
def cancel(wallet_id: str, limit: str, period: str | None, by: str) -> Any:
    """Cancel a limit's pending change."""
    return services().protection.cancel(wallet_id, limit.lower(), _period(period), by)


@limits.command("pause")
@click.argument("wallet_id")
@click.option("--kind", type=click.Choice(["pause", "exclusion"]), default="pause")
@click.option("--until", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]), default=None,
              help="When it ends (with an offset, e.g. 2026-10-01T00:00:00-0300); "
                   "leave out for an indefinite one.")
@click.option("--origin", type=click.Choice(ORIGINS), required=True)
@click.option("--reason", required=True)
@_BY
@_reporting
@as_operator(roles.PROTECT_PLAYER, "player.pause", "wallet_id")
def pause(wallet_id: str, kind: str, until: datetime | None, origin: str, reason: str,
          by: str) -> Any:
    """Pause or self-exclude a player; a pause in force is never shortened."""
    return services().protection.pause(
        wallet_id, "exclusion" if kind == "exclusion" else "pause",
        None if until is None else epoch_ms(until), origin, reason, by)


@limits.command("lift")
@click.argument("wallet_id")
@click.option("--reason", required=True)
@_BY
@_reporting
@as_operator(roles.LIFT_PROTECTION, "player.pause-lift", "wallet_id")
def lift(wallet_id: str, reason: str, by: str) -> Any:
    """Lift an indefinite pause that has lasted its configured minimum."""
    return services().protection.lift(wallet_id, by, reason)


@limits.command("daily-report")
@click.option("--date", "day", type=DATE, required=True,
              help="A calendar day in WALLETSVC_PROTECTION_TIME_ZONE.")
@with_appcontext
@as_operator(roles.REPORTS, "report.protection-daily")
def daily_report(day: datetime) -> None:
    """Write the day's limit changes, pauses and refusals as CSV, from the ledger."""
    found = services()
    try:
        conn = connect(found.config.ledger_url)
    except LedgerUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    with conn:
        migrate(conn)
        rows = daily(conn, day.date(), found.protection.calendar, found.currencies)
        for chunk in stream_csv(rows, FIELDS):
            click.echo(chunk, nl=False)
