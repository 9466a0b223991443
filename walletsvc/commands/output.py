"""What every command shares: JSON on stdout, and a failure as one clear line on stderr."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import click
import simplejson
from flask.cli import with_appcontext
from redis.exceptions import RedisError

from walletsvc.errors import WalletError
from walletsvc.money import AmountError, parse_decimal

F = TypeVar("F", bound=Callable[..., Any])
DATE = click.DateTime(["%Y-%m-%d"])
FORMAT = click.Choice(["table", "csv", "json"])


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
