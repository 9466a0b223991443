"""``walletsvc signin ...``: an operator's local sign-in (docs/signin.md, "Local accounts")."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from walletsvc.access.audit_log import AuditEntry, append
from walletsvc.access.directory import Directory
from walletsvc.access.guard import open_access
from walletsvc.commands.output import one_line_failures
from walletsvc.services import services
from walletsvc.signin import local
from walletsvc.signin.accounts import Accounts


@click.group("signin")
def signin() -> None:
    """Operators' local sign-in: a password and an authenticator (TOTP)."""


def _password() -> str:
    """Read the password: the first line of standard input, or a prompt at a terminal."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@signin.command("set-password")
@click.argument("name")
@with_appcontext
def set_password(name: str) -> None:
    """Give a person NAME a password and a new TOTP secret; print the otpauth:// URI once.

    The password is read from standard input (its first line) or asked for at a terminal. Every
    session NAME had ends; the old password and authenticator stop working.
    """
    password = _password()
    if len(password) < local.PASSWORD_MIN_LENGTH:
        raise click.ClickException(
            f"the password must be at least {local.PASSWORD_MIN_LENGTH} characters")
    with one_line_failures():
        conn = open_access(services().config.ledger_url)
    try:
        directory = Directory(conn)
        operator = directory.by_name(name)
        if operator is None or operator.kind != "person":
            raise click.ClickException(f"no person named {name!r} (a service account uses "
                                       "API tokens, not a password)")
        secret = local.new_totp_secret()
        directory.set_password(operator, local.hash_password(password), secret)
        Accounts(conn).end_sessions(operator)
        append(conn, AuditEntry(action="signin.set_password", target=f"operator:{operator.id}",
                                actor_name="walletsvc signin set-password",
                                reason="a new password and TOTP secret"))
        conn.commit()
    finally:
        conn.close()
    click.echo(local.provisioning_uri(secret, name))
    click.echo("Add this to the operator's authenticator app now: it is not shown again.",
               err=True)
