"""config/cron/walletsvc, the daily sweep: a valid cron.d file whose command runs as the
service user from the settings file and never prints a secret, even when it fails."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.deploy.host import RECONCILIATION_KEY, ROOT, Host, cron_entries, minimal_env
from tests.redis_server import free_port
from tests.support.settings import ADMIN_KEY, SECRET

pytestmark = [pytest.mark.slow, pytest.mark.realredis]

CRON = ROOT / "config" / "cron" / "walletsvc"
SECRETS = (SECRET, ADMIN_KEY, RECONCILIATION_KEY)


def sweep(host: Host, settings: str | None = None) -> tuple[int, str]:
    """Run the cron line's command as cron would (sh, its PATH, as its user)."""
    variables, entries = cron_entries(host.path("/etc/cron.d/walletsvc"))
    ((_, user, command),) = entries
    assert user == "walletsvc"
    command = host.in_root(command)
    if settings:
        command = command.replace(str(host.path("/etc/walletsvc/walletsvc.env")), settings)
    result = host.run_as_service_user([variables["SHELL"], "-c", command],
                                      minimal_env(PATH=variables["PATH"]))
    return result.returncode, result.stdout + result.stderr  # what cron would mail


def test_the_cron_file_is_one_daily_entry_cron_accepts() -> None:
    text = CRON.read_text()
    assert text.endswith("\n") and "." not in CRON.name  # cron.d skips names with dots
    variables, entries = cron_entries(CRON)
    assert variables == {"SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
    ((schedule, user, command),) = entries
    assert re.fullmatch(r"\d+ \d+ \* \* \*", " ".join(schedule))
    assert user == "walletsvc"
    assert "WALLETSVC_CONFIG_FILE=/etc/walletsvc/walletsvc.env" in command
    assert " . " not in command and "source" not in command  # no shell reads the settings


def test_the_sweep_runs_as_the_service_user_and_prints_nothing(host: Host) -> None:
    status, output = sweep(host)
    assert (status, output) == (0, "")


@pytest.mark.parametrize("breakage", ["redis down", "malformed settings"])
def test_a_failing_sweep_names_the_problem_and_no_secret(host: Host, tmp_path: Path,
                                                         breakage: str) -> None:
    text = host.path("/etc/walletsvc/walletsvc.env").read_text()
    if breakage == "redis down":
        text = re.sub(r"(?m)^WALLETSVC_REDIS_URL=.*$",
                      f"WALLETSVC_REDIS_URL=redis://127.0.0.1:{free_port()}/0", text)
    else:  # what a shell could not parse, and printed with the secret, before
        text = text.replace(json.dumps(SECRET), json.dumps(SECRET) + " 'unbalanced")
    settings = tmp_path / "walletsvc.env"
    settings.write_text(text)
    settings.chmod(0o644)
    tmp_path.chmod(0o755)
    status, output = sweep(host, str(settings))
    assert status != 0 and output
    for secret in SECRETS:
        assert secret not in output
