"""config/cron/walletsvc, the daily sweep, the nightly ledger verify and the monthly ledger
partitions: a valid cron.d file whose commands run as the service user from the settings file,
print nothing when all is well, and never print a secret, even when they fail."""

from __future__ import annotations

import json
import re
import shlex
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from devkit.operators import PLATFORM_TOKEN
from devkit.redis import RedisServer, free_port
from devkit.settings import PARENT_ID, SECRET
from tests.deploy.host import RECONCILIATION_KEY, ROOT, Host, cron_entries, minimal_env
from walletsvc.cli import main
from walletsvc.ledger.database import Partitions, connect, month_of, next_month
from walletsvc.ledger.writer import LedgerWriter
from walletsvc.store import connect as redis_connect
from walletsvc.store.outbox import OutboxEntry

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]

CRON = ROOT / "config" / "cron" / "walletsvc"
SECRETS = (SECRET, PLATFORM_TOKEN, RECONCILIATION_KEY)  # the last two open an API


def run_job(host: Host, job: str, settings: str | None = None) -> tuple[int, str]:
    """Run the cron line whose command names ``job`` as cron would (sh, its PATH, its user)."""
    variables, entries = cron_entries(host.path("/etc/cron.d/walletsvc"))
    ((_, user, command),) = [entry for entry in entries if job in entry[2]]
    assert user == "walletsvc"
    command = host.in_root(command)
    if settings:
        command = command.replace(str(host.path("/etc/walletsvc/walletsvc.env")), settings)
    result = host.run_as_service_user([variables["SHELL"], "-c", command],
                                      minimal_env(PATH=variables["PATH"]))
    return result.returncode, result.stdout + result.stderr  # what cron would mail


# Daily, but the partitions: the alert on verify fires when it has not succeeded in 26 hours;
# a month's partition is dropped or made once a month.
SCHEDULES = {"walletsvc trim-audit >/dev/null": r"\d+ \d+ \* \* \*",
             "walletsvc ledger verify --quiet --wait 60": r"\d+ \d+ \* \* \*",
             "walletsvc ledger drop-expired >/dev/null": r"\d+ \d+ 1 \* \*"}


def test_the_cron_file_is_the_daily_and_monthly_entries_cron_accepts() -> None:
    text = CRON.read_text()
    assert text.endswith("\n") and "." not in CRON.name  # cron.d skips names with dots
    variables, entries = cron_entries(CRON)
    assert variables == {"SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
    assert [command.split(".venv/bin/")[1] for _, _, command in entries] == list(SCHEDULES)
    for schedule, user, command in entries:
        assert re.fullmatch(SCHEDULES[command.split(".venv/bin/")[1]], " ".join(schedule))
        assert user == "walletsvc"
        assert "WALLETSVC_CONFIG_FILE=/etc/walletsvc/walletsvc.env" in command
        assert " . " not in command and "source" not in command  # no shell reads the settings


@pytest.mark.parametrize("command", list(SCHEDULES))
def test_each_cron_command_is_a_walletsvc_command_taking_those_options(command: str) -> None:
    # Options are parsed before --help is acted on: an unknown one fails here.
    argv = shlex.split(command.split(">")[0])[1:]
    result = CliRunner().invoke(main, [*argv, "--help"], prog_name="walletsvc")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: walletsvc {' '.join(argv[:2])} ")


def test_the_sweep_runs_as_the_service_user_and_prints_nothing(host: Host) -> None:
    status, output = run_job(host, "trim-audit")
    assert (status, output) == (0, "")


def readable_settings(host: Host, text: str) -> str:
    """Write settings where the service user can read them (pytest's folders are root's own);
    return their path."""
    folder = Path(tempfile.mkdtemp(prefix="settings-", dir=host.root))
    folder.chmod(0o755)
    settings = folder / "walletsvc.env"
    settings.write_text(text)
    settings.chmod(0o644)
    return str(settings)


@pytest.mark.parametrize(("breakage", "named"), [
    ("redis down", "the Redis store failed: ConnectionError"),
    ("malformed settings", "WALLETSVC_PARENT_SYSTEMS must be a JSON object")])
def test_a_failing_sweep_names_the_problem_and_no_secret(host: Host, breakage: str,
                                                         named: str) -> None:
    text = host.path("/etc/walletsvc/walletsvc.env").read_text()
    if breakage == "redis down":
        text = re.sub(r"(?m)^WALLETSVC_REDIS_URL=.*$",
                      f"WALLETSVC_REDIS_URL=redis://127.0.0.1:{free_port()}/0", text)
    else:  # what a shell could not parse, and printed with the secret, before
        text = text.replace(json.dumps(SECRET), json.dumps(SECRET) + " 'unbalanced")
    status, output = run_job(host, "trim-audit", readable_settings(host, text))
    assert status != 0 and named in output
    for secret in SECRETS:
        assert secret not in output


def settings_with(host: Host, **values: str) -> str:
    """Write a copy of the host's settings with these values; return its path."""
    text = host.path("/etc/walletsvc/walletsvc.env").read_text()
    for name, value in values.items():
        text, found = re.subn(rf"(?m)^WALLETSVC_{name}=.*$", f"WALLETSVC_{name}={value}", text)
        assert found == 1, name
    return readable_settings(host, text)


def debit_applied_twice(ledger_url: str, reference: str) -> None:
    """Write one debit's change into the ledger twice, under two movement ids."""
    now = int(time.time() * 1000)
    fields = {"event": "debit", "ts": str(now), "wallet": "cron-wallet", "ps": PARENT_ID,
              "ref": reference, "amount": "500", "real": "-500", "bonus": "0",
              "real_after": "500", "bonus_after": "0", "currency": "BRL"}
    with connect(ledger_url) as conn:
        LedgerWriter(conn).write([OutboxEntry("0a", f"{now}-{n}", {**fields, "mid": f"mid-{n}"})
                                  for n in (1, 2)])


def test_the_nightly_verify_is_silent_when_clean_and_names_a_doubled_reference(
        host: Host, newest_redis_server: RedisServer, ledger_url: str) -> None:
    redis_url = newest_redis_server.url.replace("/0", "/9")  # a database of its own
    redis_connect(redis_url, 5.0).flushdb()
    settings = settings_with(host, REDIS_URL=redis_url, LEDGER_URL=ledger_url)
    assert run_job(host, "ledger verify", settings) == (0, "")

    debit_applied_twice(ledger_url, "cron-bet-1")
    status, output = run_job(host, "ledger verify", settings)

    assert status == 1
    assert (f"doubled reference {PARENT_ID} cron-bet-1: applied 2 times: cron-wallet debit "
            "5.00 BRL movement mid-1 at ") in output
    with connect(ledger_url) as conn:
        kept = conn.execute("SELECT ok FROM ledger_verify_runs ORDER BY id").fetchall()
    assert kept == [(True,), (False,)]  # what /metrics and the alerts read
    for secret in (*SECRETS, "test-password"):
        assert secret not in output


def test_the_nightly_verify_names_an_unreachable_ledger_and_no_secret(host: Host) -> None:
    unreachable = f"postgresql://walletsvc:ledger-password@127.0.0.1:{free_port()}/walletsvc"
    settings = settings_with(host, LEDGER_URL=unreachable)
    status, output = run_job(host, "ledger verify", settings)
    assert status != 0 and "PostgreSQL is unreachable" in output
    for secret in (*SECRETS, "ledger-password"):
        assert secret not in output


def test_the_monthly_partition_job_drops_the_expired_months_and_makes_the_next_ones_quietly(
        host: Host) -> None:
    # The installed settings as they are: the ledger the guide made, under its own role.
    today = datetime.now(UTC).date()
    expired = date(today.year - host.settings().ledger_retention_years - 1, today.month, 1)
    with connect(host.settings().ledger_url) as conn:
        Partitions(conn).ensure({expired})
        assert expired in Partitions(conn).existing()

    assert run_job(host, "drop-expired") == (0, "")

    with connect(host.settings().ledger_url) as conn:
        months = Partitions(conn).existing()
    assert expired not in months
    coming = [month_of(today)]
    for _ in range(3):
        coming.append(next_month(coming[-1]))
    assert set(coming) <= set(months)
