"""`make run` and scripts/run.sh leave nothing running however they are stopped, and print how
to run the CLI on the store and ledger they started and how to call the admin API as each demo
operator."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.operators import AUDITOR, EVERYONE, PLATFORM, prepare
from devkit.postgres import LocalPostgres, create_database, drop_database
from devkit.redis import free_port
from tests.support.processes import (
    assert_nothing_left,
    descendants,
    kill_group,
    run_env,
    wait_healthy,
)
from tests.support.service import HttpClient
from walletsvc.access.directory import Directory
from walletsvc.config import read_env_file
from walletsvc.ledger.database import connect

pytestmark = [pytest.mark.slow, pytest.mark.realredis]

ROOT = Path(__file__).resolve().parents[1]
STARTS = {
    "scripts/run.sh": [str(ROOT / "scripts" / "run.sh")],
    # -o: take the installed venv as it is (the suite's own), do not reinstall it here.
    "make run": ["make", "-s", "-C", str(ROOT), "-o", ".venv/.run-installed", "run"],
}


Started = tuple[subprocess.Popen[bytes], list[int]]


@pytest.fixture
def started(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Started]:
    """What `make run` starts, on free ports; gives the process and the ports it serves."""
    web, operator, redis_port, postgres_port = free_port(), free_port(), free_port(), free_port()
    env = run_env(tmp_path, WALLETSVC_REDIS_PORT=str(redis_port),
                  WALLETSVC_POSTGRES_PORT=str(postgres_port), WALLETSVC_BIND=f"127.0.0.1:{web}",
                  WALLETSVC_OPERATOR_BIND=f"127.0.0.1:{operator}",
                  WALLETSVC_OPERATOR_WORKERS="1")
    with (tmp_path / "run.log").open("wb") as log:
        process = subprocess.Popen(STARTS[request.param], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    wait_healthy(process, web, tmp_path / "run.log")
    wait_healthy(process, operator, tmp_path / "run.log")
    yield process, [web, operator, redis_port, postgres_port]
    kill_group(process, tmp_path / "var" / "postgres")


# redis-server, PostgreSQL, the exporter, GPAS's gunicorn and its two workers, the operator's
# gunicorn and its worker at least
AT_LEAST = 8


@pytest.mark.parametrize("started", ["scripts/run.sh", "make run"], indirect=True)
def test_sigterm_stops_both_gunicorns_their_workers_the_exporter_redis_and_postgres(
        started: Started, tmp_path: Path) -> None:
    process, ports = started
    printed = (tmp_path / "run.log").read_text()
    assert f"GPAS routes on http://127.0.0.1:{ports[0]}" in printed
    assert f"docs (/docs) on http://127.0.0.1:{ports[1]}" in printed
    below = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    assert_nothing_left(process, below, ports, AT_LEAST)


@pytest.mark.parametrize("started", ["scripts/run.sh"], indirect=True)
def test_ctrl_c_stops_everything(started: Started) -> None:
    process, ports = started
    below = descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    assert_nothing_left(process, below, ports, AT_LEAST)


@pytest.mark.parametrize("started", ["scripts/run.sh"], indirect=True)
def test_the_operator_gunicorn_exiting_stops_everything(started: Started) -> None:
    process, ports = started
    below = descendants(process.pid)
    operator = [pid for pid in below if Path(f"/proc/{pid}/stat").read_text().split()[3]
                == str(process.pid) and b"gunicorn-operator" in Path(f"/proc/{pid}/cmdline")
                .read_bytes()]
    assert len(operator) == 1
    os.kill(operator[0], signal.SIGTERM)
    assert_nothing_left(process, below, ports, AT_LEAST)


def in_a_new_shell(command: str) -> str:
    """Run ``command`` in a shell with none of the run's variables; return what it printed."""
    result = subprocess.run(["sh", "-c", command], env={"PATH": "/usr/bin:/bin",
                                                        "LANG": "C.UTF-8"},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("started", ["make run"], indirect=True)
def test_make_run_prints_its_store_and_ledger_and_a_cli_command_that_runs_on_them(
        started: Started, tmp_path: Path) -> None:
    _, ports = started
    printed = (tmp_path / "run.log").read_text()
    settings = read_env_file(tmp_path / "var" / "walletsvc.env")
    assert settings["WALLETSVC_REDIS_URL"] == f"redis://127.0.0.1:{ports[2]}/0"
    assert re.fullmatch(rf"postgresql://postgres:\w+@127\.0\.0\.1:{ports[3]}/walletsvc",
                        settings["WALLETSVC_LEDGER_URL"])
    assert f"ledger: {settings['WALLETSVC_LEDGER_URL']}\n" in printed
    shown = re.findall(r"(?m)^  (WALLETSVC_CONFIG_FILE=\S+ (?:WALLETSVC_OPERATOR_TOKEN=\S+ )?"
                       r"\S+/walletsvc) (.+)$", printed)
    assert [command for _, command in shown] == ["show-wallet demo-wallet", "ledger status"]
    # The wallet's command as the platform's demo operator; the upkeep acts on no one.
    assert f" WALLETSVC_OPERATOR_TOKEN={PLATFORM.token} " in shown[0][0]
    assert "WALLETSVC_OPERATOR_TOKEN" not in shown[1][0]
    assert "WALLETSVC_OPERATOR_TOKEN" not in (tmp_path / "var" / "walletsvc.env").read_text()
    assert json.loads(in_a_new_shell(" ".join(shown[0])))["walletId"] == "demo-wallet"
    assert "pendingEntries" in json.loads(in_a_new_shell(" ".join(shown[1])))
    # verify compares that store with that ledger, which the run's exporter fills.
    verified = in_a_new_shell(f"{shown[1][0]} ledger verify --wait 60")
    assert "1 wallets compared, 0 differences" in verified


@pytest.mark.parametrize("started", ["make run"], indirect=True)
def test_make_run_prints_each_demo_operator_and_the_tokens_it_prints_open_their_routes(
        started: Started, tmp_path: Path) -> None:
    _, ports = started
    printed = (tmp_path / "run.log").read_text()
    shown = {}
    for demo in EVERYONE:
        line = re.search(rf"(?m)^  {re.escape(demo.name)} +(\S+) +(\S+) +(\S+)$", printed)
        assert line, printed
        shown[demo.name] = line[3]
        assert (line[1], set(line[2].split(",")), line[3]) == (demo.kind, set(demo.roles),
                                                               demo.token)
    assert f"each calls http://127.0.0.1:{ports[1]}/admin/... with its own API token" in printed
    assert "admin API key" not in printed and "ADMIN_API_KEY" not in printed
    operator = HttpClient(ports[1])
    wallet = operator.open("/admin/wallets/demo-wallet",
                           headers={"Authorization": f"Bearer {shown[PLATFORM.name]}"})
    assert (wallet.status_code, wallet.json["walletId"]) == (200, "demo-wallet")
    refused = operator.open("/admin/wallets/demo-wallet",
                            headers={"Authorization": f"Bearer {shown[AUDITOR.name]}"})
    assert (refused.status_code, refused.json["type"]) == (403, "ROLE_REQUIRED")


def test_the_demo_operators_are_added_once_to_a_new_ledger(postgres: LocalPostgres) -> None:
    # What `make run` does at every start on the ledger it keeps under var/.
    url = postgres.url(f"run_{uuid.uuid4().hex[:12]}")
    create_database(postgres.url("postgres"), url.rsplit("/", 1)[1])
    try:
        assert prepare(url) is True
        assert prepare(url) is False
        with connect(url) as conn:
            directory = Directory(conn)
            operators = directory.all()
            assert sorted(o.name for o in operators) == sorted(d.name for d in EVERYONE)
            assert [len(directory.tokens(o)) for o in operators] == [1] * len(EVERYONE)
            assert all(directory.authenticate(d.token) is not None for d in EVERYONE)
    finally:
        drop_database(postgres, url)
