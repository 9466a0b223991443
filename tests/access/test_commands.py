"""The CLI as a named operator: the first admin's bootstrap, operators' commands, the audit
log's check and export, and a player's command recorded with the host it ran on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from flask import Flask

from devkit.admin import AdminClient
from devkit.operators import ADMIN, AUDITOR, SUPPORT

Sql = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run a command as the operator of ``token`` (none: no token set)."""

    def run(*args: str, token: str | None = None) -> Result:
        if token is None:
            monkeypatch.delenv("WALLETSVC_OPERATOR_TOKEN", raising=False)
        else:
            monkeypatch.setenv("WALLETSVC_OPERATOR_TOKEN", token)
        return app.test_cli_runner().invoke(args=list(args))

    return run


def _error_type(result: Result) -> str:
    assert result.exit_code == 1, result.output
    return str(json.loads(result.stderr.removeprefix("Error: "))["type"])


def test_bootstrap_makes_the_first_admin_once(cli: Callable[..., Result], sql: Sql) -> None:
    sql("DELETE FROM operator_tokens")
    sql("DELETE FROM operators")
    made = cli("operators", "bootstrap", "--name", "olga", "--email", "olga@example.test")
    assert made.exit_code == 0, made.output
    printed = json.loads(made.stdout)
    assert "admin" in printed["operator"]["roles"]
    assert "platform" not in printed["operator"]["roles"]
    again = cli("operators", "bootstrap", "--name", "mallory")
    assert _error_type(again) == "OPERATOR_CHANGE_REFUSED"
    added = cli("operators", "add", "sam", "--roles", "support", "--reason", "hired",
                token=printed["token"])
    assert added.exit_code == 0, added.output
    assert [row[0] for row in sql("SELECT action FROM operator_audit ORDER BY seq")] == [
        "operator.bootstrap", "operator.create"]


def test_a_command_needs_a_live_token_and_the_role(cli: Callable[..., Result],
                                                  sql: Sql) -> None:
    assert _error_type(cli("operators", "list")) == "UNAUTHORIZED"
    assert _error_type(cli("operators", "list", token="wso_nothing")) == "UNAUTHORIZED"
    assert _error_type(cli("operators", "list", token=SUPPORT.token)) == "ROLE_REQUIRED"
    listed = cli("operators", "list", token=ADMIN.token)
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)) == 8
    assert sql("SELECT actor_name, outcome FROM operator_audit ORDER BY seq") == [
        (SUPPORT.name, 403), (ADMIN.name, 0)]


def test_a_players_command_is_recorded_with_the_host_it_ran_on(
        cli: Callable[..., Result], admin: AdminClient, sql: Sql) -> None:
    wallet_id = admin.wallet()
    blocked = cli("block", wallet_id, "--reason", "player asked by phone",
                  token=SUPPORT.token)
    assert blocked.exit_code == 0, blocked.output
    ((address, target, reason, outcome),) = sql(
        "SELECT address, target, reason, outcome FROM operator_audit "
        "WHERE action = 'player.block'")
    assert address.startswith("cli:") and "@" in address
    assert (target, reason, outcome) == (f"wallet:{wallet_id}", "player asked by phone", 0)


def test_audit_verify_exits_1_on_a_tampered_chain_and_export_prints_csv(
        cli: Callable[..., Result], admin: AdminClient, sql: Sql) -> None:
    admin.wallet("5")
    clean = cli("audit", "verify", token=AUDITOR.token)
    assert clean.exit_code == 0, clean.output
    head = json.loads(clean.stdout)
    assert head["ok"] is True and head["entries"] == 2
    sql("ALTER TABLE operator_audit DISABLE TRIGGER USER")
    sql("UPDATE operator_audit SET after = '{}' WHERE seq = 2")
    sql("ALTER TABLE operator_audit ENABLE TRIGGER USER")
    tampered = cli("audit", "verify", "--head", f"{head['headSeq']}:{head['headHash']}",
                   token=AUDITOR.token)
    assert tampered.exit_code == 1
    assert json.loads(tampered.stdout)["problems"][0].startswith("entry 2: its content")
    exported = cli("audit", "export", "--action", "wallet.create", token=AUDITOR.token)
    lines = exported.stdout.splitlines()
    assert exported.exit_code == 0 and lines[0].startswith("seq,at,actor,") and len(lines) == 2
    assert _error_type(cli("audit", "export", token=SUPPORT.token)) == "ROLE_REQUIRED"
