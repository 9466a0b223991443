"""Operators and the audit log from the command line: the first admin, the others, their
tokens; the audit log's check and export.

``operators bootstrap`` is the one command that needs no token: it creates the first admin of
a directory that has none (the way out of the retired shared admin key, docs/operators.md).
Every other command runs as the operator of ``WALLETSVC_OPERATOR_TOKEN`` (commands/acting.py).
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext

from walletsvc.access import audit_log, roles
from walletsvc.access.administration import OperatorAdmin, bootstrap
from walletsvc.access.audit_log import AuditEntry
from walletsvc.access.directory import Directory, Operator
from walletsvc.access.guard import acting, note, open_access
from walletsvc.access.roles import PEOPLE_ROLES, parse_roles
from walletsvc.commands.acting import as_operator
from walletsvc.commands.output import echo_json, json_command, one_line_failures
from walletsvc.errors import OperatorChangeRefused, OperatorConflict
from walletsvc.presenters.access import (
    api_token_view,
    audit_entry_view,
    operator_view,
    verification_view,
)
from walletsvc.schemas import shared
from walletsvc.schemas.access import OperatorAuditEntrySchema
from walletsvc.services import services
from walletsvc.signin import local
from walletsvc.signin.accounts import Accounts
from walletsvc.tables import stream_csv

_ROLES_HELP = "Comma-separated: " + ", ".join(roles.Role)


def _roles(_ctx: click.Context, _param: click.Parameter, value: str) -> frozenset[roles.Role]:
    try:
        return parse_roles(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _named(name: str) -> Operator:
    found = acting().directory.by_name(name)
    if found is None:
        raise OperatorConflict(f"no operator named {name!r}")
    note(target=f"operator:{found.id}")
    return found


def _admin() -> OperatorAdmin:
    return OperatorAdmin(acting().directory, acting().operator)


@click.group("operators")
def operators() -> None:
    """The people and machines of the operator's side, their roles and API tokens."""


@operators.command("bootstrap")
@click.option("--name", required=True, help="The first admin's sign-in name.")
@click.option("--email", default=None)
@click.option("--roles", "granted", callback=_roles, default=",".join(sorted(PEOPLE_ROLES)),
              show_default=True, help="Roles besides admin (the roles they may grant).")
@json_command
def bootstrap_command(name: str, email: str | None, granted: frozenset[roles.Role]) -> Any:
    """Create the first admin and a 30-day API token, once: refused when an admin exists."""
    conn = open_access(services().config.ledger_url)
    try:
        directory = Directory(conn)
        operator, token = bootstrap(directory, name, email, granted)
        audit_log.append(conn, AuditEntry(
            action="operator.bootstrap", target=f"operator:{operator.id}",
            address="cli:bootstrap", after=operator_view(operator)))
        conn.commit()
    finally:
        conn.close()
    return {"operator": operator_view(operator), "token": token,
            "next": "export WALLETSVC_OPERATOR_TOKEN=<token>, then add the other operators"}


@operators.command("list")
@json_command
@as_operator(roles.MANAGE_OPERATORS, "operator.list")
def list_operators() -> Any:
    """List every operator."""
    return [operator_view(o) for o in acting().directory.all()]


@operators.command("add")
@click.argument("name")
@click.option("--kind", type=click.Choice(["person", "service"]), default="person")
@click.option("--roles", "granted", callback=_roles, required=True, help=_ROLES_HELP)
@click.option("--email", default=None)
@click.option("--oidc-subject", default=None, help="issuer|sub from the identity provider.")
@click.option("--reason", required=True)
@json_command
@as_operator(roles.MANAGE_OPERATORS, "operator.create")
def add(name: str, kind: str, granted: frozenset[roles.Role], email: str | None,
        oidc_subject: str | None, reason: str) -> Any:
    """Add a person or a service account with roles you hold."""
    created = _admin().create(name, "service" if kind == "service" else "person", granted,
                              email, oidc_subject)
    view = operator_view(created)
    note(target=f"operator:{created.id}", after=view)
    return view


@operators.command("roles")
@click.argument("name")
@click.option("--set", "granted", callback=_roles, required=True, help=_ROLES_HELP)
@click.option("--reason", required=True)
@json_command
@as_operator(roles.MANAGE_OPERATORS, "operator.roles")
def set_roles(name: str, granted: frozenset[roles.Role], reason: str) -> Any:
    """Replace an operator's roles."""
    target = _named(name)
    changed = _admin().set_roles(target, granted)
    note(before={"roles": sorted(target.roles)}, after={"roles": sorted(changed.roles)})
    return operator_view(changed)


@operators.command("disable")
@click.argument("name")
@click.option("--reason", required=True)
@json_command
@as_operator(roles.MANAGE_OPERATORS, "operator.disable")
def disable(name: str, reason: str) -> Any:
    """Disable an operator: no sign-in, no token works."""
    changed = _admin().set_disabled(_named(name), True)
    note(after={"disabled": True})
    return operator_view(changed)


@operators.command("issue-token")
@click.argument("name")
@click.option("--token-name", required=True, help="What the token is for.")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True)
@json_command
@as_operator(roles.ANY_OPERATOR, "token.issue")
def issue_token(name: str, token_name: str, days: int) -> Any:
    """Make an API token: your own, or a service account's (admins)."""
    secret, token = _admin().issue_token(_named(name), token_name, days)
    note(after=api_token_view(token))
    return api_token_view(token, secret)


@operators.command("revoke-token")
@click.argument("token_id")
@click.option("--reason", required=True)
@json_command
@as_operator(roles.ANY_OPERATOR, "token.revoke", "token_id")
def revoke_token(token_id: str, reason: str) -> Any:
    """Revoke a token: your own, or anyone's (admins)."""
    return api_token_view(_admin().revoke_token(token_id))


@operators.command("set-password")
@click.argument("name")
@json_command
@as_operator(roles.ANY_OPERATOR, "operator.set-password")
def set_password(name: str) -> Any:
    """Give a person NAME a password and a new TOTP secret; print the otpauth:// URI once.

    Yourself, or anyone as an admin. The password is read from standard input (its first line)
    or asked for at a terminal. Every session NAME had ends; the old password and
    authenticator stop working.
    """
    target = _named(name)
    if target.id != acting().operator.id and roles.Role.ADMIN not in acting().operator.roles:
        raise OperatorChangeRefused("only an admin sets someone else's password")
    if target.kind != "person":
        raise OperatorChangeRefused("a service account uses API tokens, not a password")
    password = _password()
    if len(password) < local.PASSWORD_MIN_LENGTH:
        raise OperatorChangeRefused(
            f"the password must be at least {local.PASSWORD_MIN_LENGTH} characters")
    secret = local.new_totp_secret()
    acting().directory.set_password(target, local.hash_password(password), secret)
    Accounts(acting().conn).end_sessions(target)
    note(reason="a new password and TOTP secret")
    click.echo("Add the URI to the operator's authenticator app now: it is not shown again.",
               err=True)
    return {"operator": name, "totp": local.provisioning_uri(secret, name)}


def _password() -> str:
    """Read the password: the first line of standard input, or a prompt at a terminal."""
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    return sys.stdin.readline().rstrip("\r\n")


@click.group("audit")
def audit() -> None:
    """The operators' audit log: its check and its export (auditors, compliance)."""


@audit.command("verify")
@click.option("--head", default=None, metavar="SEQ:HASH",
              help="The chain's head as logged (audit_head) or kept elsewhere: entries removed "
                   "from the end are found against it.")
@with_appcontext
@as_operator(roles.READ_AUDIT, "audit.verify")
def verify(head: str | None) -> None:
    """Walk the whole chain; exit 1 when an entry was changed, inserted or removed."""
    kept = None
    if head:
        seq, _, digest = head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter("SEQ:HASH, as the audit_head log line gives them")
        kept = (int(seq), digest)
    found = audit_log.verify(acting().conn, kept)
    note(after={"entries": found.entries, "ok": found.ok})
    echo_json(verification_view(found))
    if not found.ok:
        raise click.exceptions.Exit(1)


@audit.command("export")
@click.option("--actor", default=None, help="An operator's id.")
@click.option("--action", default=None)
@click.option("--target", default=None, help="e.g. wallet:W1")
@with_appcontext
@as_operator(roles.READ_AUDIT, "audit.export")
def export(actor: str | None, action: str | None, target: str | None) -> None:
    """Print the matching entries as CSV, oldest first."""
    filters = audit_log.Filters(actor=actor, action=action, target=target)
    note(after={"actor": actor, "action": action, "target": target})
    with one_line_failures():
        rows = (audit_entry_view(r) for r in audit_log.read(acting().conn, filters))
        for text in stream_csv(rows, list(shared(OperatorAuditEntrySchema).fields)):
            click.echo(text, nl=False)
