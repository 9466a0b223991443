"""What every command shares: JSON on stdout, and a failure as one clear line on stderr."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import click
import simplejson
from flask.cli import with_appcontext
from marshmallow import Schema
from redis.exceptions import RedisError

from walletsvc.errors import WalletError
from walletsvc.money import AmountError, parse_decimal
from walletsvc.schemas import shared
from walletsvc.tables import render

F = TypeVar("F", bound=Callable[..., Any])
DATE = click.DateTime(["%Y-%m-%d"])
FORMAT = click.Choice(["table", "csv", "json"])


def report_options(func: F) -> F:
    """Add a report's options: --from and --to (UTC dates), --provider, --format."""
    for option in reversed((
            click.option("--from", "date_from", type=DATE, required=True),
            click.option("--to", "date_to", type=DATE, required=True),
            click.option("--provider", default=None, help="Only this provider code."),
            click.option("--format", "output", type=FORMAT, default="table"))):
        func = option(func)
    return func


def echo_rows(rows: Sequence[Any], schema: type[Schema], output: str) -> None:
    """Print ``rows`` dumped by ``schema`` as a table, CSV or JSON."""
    dumper = shared(schema)
    click.echo(render(dumper.dump(rows, many=True), list(dumper.fields), output))


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON, decimals exact."""
    click.echo(simplejson.dumps(data, use_decimal=True, indent=2, ensure_ascii=False))


@contextlib.contextmanager
def one_line_failures() -> Iterator[None]:
    """Turn a refusal or a store failure into one clear line on stderr and exit status 1."""
    try:
        yield
    except WalletError as exc:
        raise click.ClickException(simplejson.dumps(exc.body())) from None
    except RedisError as exc:
        raise click.ClickException(f"the Redis store failed: {type(exc).__name__}: {exc}"
                                   ) from None


def json_command(func: F) -> F:
    """Run inside the app, print the result as JSON, and fail in one clear line."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        with one_line_failures():
            echo_json(func(*args, **kwargs))

    return with_appcontext(wrapper)  # type: ignore[return-value]


def exact_amount(_ctx: click.Context, _param: click.Parameter, value: str) -> Decimal:
    """Read an option as an exact decimal amount (a click callback)."""
    try:
        return parse_decimal(value)
    except AmountError as exc:
        raise click.BadParameter(str(exc)) from None
