"""The console entry point: ``walletsvc <command>``.

The commands are listed and their ``--help`` answered without any setting; the app (and with
it the settings and the Redis client) is built only when an operator command runs.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import ScriptInfo

from walletsvc import conformance
from walletsvc.commands import COMMANDS
from walletsvc.config import ConfigError


def _create_app() -> Flask:
    from walletsvc.app import create_app  # built on demand: a command's --help needs no setting

    try:
        return create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(help="Operator commands of walletsvc (settings from WALLETSVC_* variables).")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Run an operator command."""
    ctx.obj = ScriptInfo(create_app=_create_app, set_debug_flag=False)


for _command in COMMANDS:
    main.add_command(_command)


@main.command("gpas-check", add_help_option=False,
              context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def gpas_check(args: tuple[str, ...]) -> None:
    """Play GPAS against any wallet URL and print a pass/fail table (see --help)."""
    sys.exit(conformance.main(list(args)))
