"""Commands that act on players, money or operators run as a named operator.

The operator is the owner of the API token in ``WALLETSVC_OPERATOR_TOKEN`` (an environment
variable, so the token stays out of the shell's history and the process list). The command is
refused, as the admin API refuses its route, without a live token or without one of the roles
it declares, and each run (refused, failed or done) is an entry of the operators' audit log
with the address ``cli:user@host``. The store's and the ledger's upkeep (``store``, ``ledger
export|restore|verify|...``, ``trim-audit``) acts on no one: it needs the host's settings
only, as it must while PostgreSQL is down.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from walletsvc.access.directory import Directory
from walletsvc.access.guard import Acting, carry_out, failure_status, open_access
from walletsvc.access.roles import Role
from walletsvc.commands.output import one_line_failures
from walletsvc.errors import OperatorUnknown
from walletsvc.services import services

TOKEN_VARIABLE = "WALLETSVC_OPERATOR_TOKEN"  # noqa: S105 (a name, not a secret)
F = TypeVar("F", bound=Callable[..., Any])


def _address() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}@{socket.gethostname()}"


def _failure_status(error: Exception) -> int:
    # A refusal the command printed itself (its own one_line_failures) is a refusal: 400.
    return 400 if isinstance(error, click.ClickException) else failure_status(error)


def as_operator(roles: Iterable[Role], action: str, target: str | None = None
                ) -> Callable[[F], F]:
    """Run the command as the token's operator if they hold one of ``roles``; record it as
    ``action`` on the click parameter ``target`` (e.g. ``wallet_id``). Goes below
    ``json_command`` or ``with_appcontext`` (it needs the app)."""
    allowed = frozenset(roles)

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **params: Any) -> Any:
            with one_line_failures():
                return _run(command, args, params)

        def _run(command: F, args: tuple[Any, ...], params: dict[str, Any]) -> Any:
            conn = open_access(services().config.ledger_url)
            try:
                directory = Directory(conn)
                token = os.environ.get(TOKEN_VARIABLE, "").strip()
                operator = directory.authenticate(token) if token else None
                conn.commit()
                if operator is None:
                    raise OperatorUnknown(f"set {TOKEN_VARIABLE} to your live API token")
                name = target and params.get(target)
                current = Acting(operator, directory, conn, address=_address(),
                                 target=f"{target.removesuffix('_id')}:{name}"
                                 if target and name else "",
                                 reason=str(params.get("reason") or ""))
                return carry_out(current, allowed, action, lambda: command(*args, **params),
                                 lambda _: 0, _failure_status)
            finally:
                conn.close()

        return run  # type: ignore[return-value]

    return decorate
