"""Operator commands: ``walletsvc <command>`` (walletsvc.cli) or ``flask --app wsgi <command>``.

One module a subject: wallets and sessions, player protection, the reconciliation report, the
store's fence, the ledger, operators, their sign-in and their audit log. Commands that act on
players, money or operators run as the operator of an API token (``acting``). Each prints
JSON (or a table, CSV) and fails in one line on stderr (``output``).
"""

from __future__ import annotations

from flask import Flask

from walletsvc.commands.ledger import ledger
from walletsvc.commands.operators import audit, operators
from walletsvc.commands.protection import limits
from walletsvc.commands.reconciliation import reconciliation
from walletsvc.commands.store import store
from walletsvc.commands.wallets import (
    block,
    create_wallet,
    deposit,
    issue_token,
    movements,
    sessions,
    show_session,
    show_wallet,
    trim_audit,
    unblock,
    withdraw,
)

COMMANDS = [store, create_wallet, show_wallet, deposit, withdraw, block, unblock, issue_token,
            sessions, show_session, movements, trim_audit, reconciliation, ledger, limits,
            operators, audit]


def register_commands(app: Flask) -> None:
    """Add the operator commands to the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
