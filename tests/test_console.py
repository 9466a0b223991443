"""The console entry point ``walletsvc``: help without settings, failures in one line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from devkit.redis import free_port
from walletsvc.cli import main
from walletsvc.commands import COMMANDS

SETTINGS = {
    "WALLETSVC_PARENT_SYSTEMS": json.dumps({"BL13GT": "secret"}),
    "WALLETSVC_RECONCILIATION_API_KEY": "reconciliation-key",
}


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an environment without a single walletsvc setting."""
    for name in [*SETTINGS, "WALLETSVC_CONFIG_FILE", "WALLETSVC_REDIS_URL"]:
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def test_help_lists_every_command_without_any_setting(bare: CliRunner) -> None:
    result = bare.invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for command in COMMANDS:
        assert command.name is not None
        assert command.name in result.output
    assert "gpas-check" in result.output


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_commands_help_works_without_any_setting(bare: CliRunner, command: str) -> None:
    result = bare.invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {command} ")


def test_a_command_without_its_settings_fails_in_one_line_naming_the_setting(
        bare: CliRunner) -> None:
    result = bare.invoke(main, ["show-wallet", "w-1"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: WALLETSVC_PARENT_SYSTEMS is not set; the service cannot start without it"]


def test_an_unreachable_redis_fails_in_one_line(bare: CliRunner,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WALLETSVC_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    result = bare.invoke(main, ["trim-audit"])  # a command that needs no operator
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: the Redis store failed: ConnectionError")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_a_negative_amount_is_refused_as_negative_not_as_an_unknown_option(
        bare: CliRunner, command: str) -> None:
    result = bare.invoke(main, [command, "w-1", "-5", "--reference", "r-1"])
    assert result.exit_code == 2
    assert "must not be negative" in result.output
    assert "No such option" not in result.output
