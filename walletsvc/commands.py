"""Operator commands: ``walletsvc <command>`` (walletsvc.cli) or ``flask --app wsgi <command>``."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import click
import simplejson
from flask import Flask
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from walletsvc.domain.operator import Operator
from walletsvc.errors import WalletError
from walletsvc.ledger.commands import ledger
from walletsvc.ledger.database import LedgerUnreachable, connect, migrate
from walletsvc.models import SUB_WALLETS, AdjustmentKind
from walletsvc.money import AmountError, parse_decimal
from walletsvc.presenters import (
    adjustment_view,
    movement_page_view,
    session_view,
    token_view,
    wallet_view,
)
from walletsvc.protection_commands import limits
from walletsvc.schemas import shared
from walletsvc.schemas.reconciliation import ReconciliationRowSchema
from walletsvc.services import services
from walletsvc.store_init import InitRefused, initialise
from walletsvc.tables import render

F = TypeVar("F", bound=Callable[..., Any])


def _echo(data: Any) -> None:
    click.echo(simplejson.dumps(data, use_decimal=True, indent=2, ensure_ascii=False))


@contextlib.contextmanager
def _one_line_failures() -> Iterator[None]:
    """Turn a refusal or a store failure into one clear line on stderr and exit status 1."""
    try:
        yield
    except WalletError as exc:
        raise click.ClickException(simplejson.dumps(exc.body())) from None
    except RedisError as exc:
        raise click.ClickException(f"the Redis store failed: {type(exc).__name__}: {exc}"
                                   ) from None


def _operator_command(func: F) -> F:
    """Run inside the app, print the result as JSON, and fail in one clear line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with _one_line_failures():
            _echo(func(*args, **kwargs))

    return with_appcontext(wrapper)  # type: ignore[return-value]


def _amount(_ctx: click.Context, _param: click.Parameter, value: str) -> Decimal:
    try:
        return parse_decimal(value)
    except AmountError as exc:
        raise click.BadParameter(str(exc)) from None


def _operator() -> Operator:
    return services().operator


@click.command("create-wallet")
@click.option("--player", "player_id", required=True, help="The operator's player id.")
@click.option("--currency", required=True, help="ISO code, e.g. BRL.")
@click.option("--wallet-id", default=None, help="Defaults to a random id.")
@_operator_command
def create_wallet(player_id: str, currency: str, wallet_id: str | None) -> Any:
    """Create a wallet with empty REAL and BONUS sub-wallets."""
    return wallet_view(_operator().create_wallet(player_id, currency.upper(), wallet_id))


@click.command("show-wallet")
@click.argument("wallet_id")
@_operator_command
def show_wallet(wallet_id: str) -> Any:
    """Show a wallet's balances, currency and blocked flag."""
    return wallet_view(_operator().wallet(wallet_id))


def _adjustment_command(name: str, kind: AdjustmentKind, help_text: str) -> click.Command:
    # A negative amount ("-5") is an argument to refuse with a reason, not an unknown option.
    @click.command(name, help=help_text, context_settings={"ignore_unknown_options": True})
    @click.argument("wallet_id")
    @click.argument("amount", callback=_amount)
    @click.option("--sub-wallet", type=click.Choice(["REAL", "BONUS"]), default="REAL")
    @click.option("--reference", required=True, help="Unique per wallet; repeats are no-ops.")
    @_operator_command
    def command(wallet_id: str, amount: Decimal, sub_wallet: str, reference: str) -> Any:
        applied, wallet = _operator().adjust(
            wallet_id, kind, amount, SUB_WALLETS[sub_wallet], reference)
        return adjustment_view(applied, wallet)

    return command


deposit = _adjustment_command("deposit", "deposit", "Add money to a sub-wallet.")
withdraw = _adjustment_command("withdraw", "withdrawal", "Take money from a sub-wallet.")


@click.command("block")
@click.argument("wallet_id")
@_operator_command
def block(wallet_id: str) -> Any:
    """Block a player: no new sessions, no debits."""
    return wallet_view(_operator().set_blocked(wallet_id, True))


@click.command("unblock")
@click.argument("wallet_id")
@_operator_command
def unblock(wallet_id: str) -> Any:
    """Unblock a player."""
    return wallet_view(_operator().set_blocked(wallet_id, False))


@click.command("issue-token")
@click.argument("wallet_id")
@click.option("--ttl", "ttl_seconds", type=click.IntRange(1, 86_400), default=None)
@_operator_command
def issue_token(wallet_id: str, ttl_seconds: int | None) -> Any:
    """Issue a single-use launch token for a wallet."""
    issued = _operator().issue_launch_token(wallet_id, ttl_seconds)
    return token_view(issued)


@click.command("sessions")
@click.argument("wallet_id")
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@_operator_command
def sessions(wallet_id: str, limit: int) -> Any:
    """List a wallet's sessions, newest first."""
    return [session_view(s, False) for s in _operator().sessions(wallet_id, limit)]


@click.command("show-session")
@click.argument("session_id")
@_operator_command
def show_session(session_id: str) -> Any:
    """Show a session's whole story."""
    return session_view(_operator().session(session_id), True)


@click.command("movements")
@click.argument("wallet_id")
@click.option("--limit", type=click.IntRange(1, 200), default=50)
@click.option("--cursor", default=None, help="nextCursor of the previous page.")
@_operator_command
def movements(wallet_id: str, limit: int, cursor: str | None) -> Any:
    """List a wallet's movements, newest first."""
    return movement_page_view(*_operator().movements(wallet_id, cursor, limit))


@click.command("trim-audit")
@_operator_command
def trim_audit() -> Any:
    """Drop audit entries older than the retention period (schedule it daily)."""
    wallets, removed = _operator().trim_audit()
    return {"walletsSwept": wallets, "entriesRemoved": removed}


@click.command("reconciliation")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--provider", default=None, help="Only this provider code.")
@click.option("--format", "output", type=click.Choice(["table", "csv", "json"]), default="table")
@with_appcontext
def reconciliation(date_from: datetime, date_to: datetime, provider: str | None,
                   output: str) -> None:
    """Print the reconciliation report of a UTC date range, as GPAS receives it."""
    with _one_line_failures():
        rows = services().reconciliation.report(date_from.date(), date_to.date(), provider)
    schema = shared(ReconciliationRowSchema)
    click.echo(render(schema.dump(rows, many=True), list(schema.fields), output))


@click.group("store")
def store() -> None:
    """The Redis store's fence (its shards' markers): init and status."""


@store.command("init")
@with_appcontext
def store_init() -> None:
    """Mark a new store ready to move money; refuse one that lost its data (restore it)."""
    found = services()
    try:
        with contextlib.ExitStack() as stack:
            conn = (stack.enter_context(connect(found.config.ledger_url))
                    if found.config.ledger_url else None)
            if conn is not None:
                migrate(conn)  # a new ledger gets its tables before init reads them
            result = initialise(found.store, conn, found.clock())
    except (InitRefused, LedgerUnreachable) as exc:
        raise click.ClickException(str(exc)) from None
    _echo({"store": result.identity, "shardsMarked": len(result.marked)})


@store.command("status")
@with_appcontext
def store_status() -> None:
    """Show the shards by marker state and what keeps the store from moving money."""
    state = services().store.fence()
    _echo({"store": sorted(state.identities), "ready": len(state.ready),
           "restoring": len(state.restoring), "missing": len(state.missing),
           "problems": state.problems()})
    if not state.whole:
        raise SystemExit(1)


COMMANDS = [store, create_wallet, show_wallet, deposit, withdraw, block, unblock, issue_token,
            sessions, show_session, movements, trim_audit, reconciliation, ledger, limits]


def register_commands(app: Flask) -> None:
    """Add the operator commands to the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
