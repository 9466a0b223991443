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
from flask import g

from walletsvc.access.directory import Directory
from walletsvc.access.guard import Acting, open_access, record
from walletsvc.access.roles import Role
from walletsvc.commands.output import one_line_failures
from walletsvc.errors import OperatorUnknown, RoleRequired, WalletError
from walletsvc.services import services

TOKEN_VARIABLE = "WALLETSVC_OPERATOR_TOKEN"  # noqa: S105 (a name, not a secret)
F = TypeVar("F", bound=Callable[..., Any])


def _address() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"cli:{user}@{socket.gethostname()}"


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
                current = Acting(operator, directory, conn,
                                 target=f"{target.removesuffix('_id')}:{name}"
                                 if target and name else "",
                                 reason=str(params.get("reason") or ""))
                g.acting = current
                if not operator.holds(allowed):
                    record(current, action, RoleRequired.status, _address(), "")
                    raise RoleRequired(f"needs one of {', '.join(sorted(allowed))}")
                try:
                    result = command(*args, **params)
                except WalletError as exc:
                    conn.rollback()
                    record(current, action, exc.answer()[0], _address(), "")
                    raise
                except click.ClickException:  # a refusal the command printed itself
                    conn.rollback()
                    record(current, action, 400, _address(), "")
                    raise
                record(current, action, 0, _address(), "")
                return result
            finally:
                conn.close()

        return run  # type: ignore[return-value]

    return decorate
