"""config/systemd/walletsvc-exporter.service: its command, run as its user with the installed
settings, moves what the service applied into the ledger, stops cleanly on SIGTERM, and exports
what was applied while it was stopped once it runs again."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from devkit.operators import PLATFORM_TOKEN
from tests.deploy.host import (
    Host,
    RunningUnit,
    launch_unit,
    run_walletsvc,
    unit_service_section,
)

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]

UNIT = "walletsvc-exporter.service"


@pytest.fixture
def exporter_log(tmp_path: Path) -> Path:
    """Where the exporter's output goes (the journal, on a host)."""
    return tmp_path / "walletsvc-exporter.log"


def start_exporter(host: Host, log: Path) -> subprocess.Popen[bytes]:
    """Start the installed exporter unit's command as the unit says."""
    return launch_unit(host, UNIT, log, {})


@pytest.fixture
def stopped() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The exporters a test started; any still running at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def admin(unit: RunningUnit, path: str, body: dict[str, str]) -> dict[str, object]:
    """Send one admin call to the operator's service; return its answer."""
    status, answer = unit.call("POST", path, json.dumps(body).encode(),
                               {"Authorization": f"Bearer {PLATFORM_TOKEN}",
                                "Content-Type": "application/json"})
    assert status in (200, 201), answer
    reply: dict[str, object] = json.loads(answer)
    return reply


def ledger_balance(host: Host, wallet: str) -> int | None:
    """Return the wallet's REAL balance in the ledger, in minor units (None: not there)."""
    with psycopg.connect(str(host.settings().ledger_url)) as conn:
        row = conn.execute("SELECT real FROM ledger_wallets WHERE wallet_id = %s",
                           (wallet,)).fetchone()
    return None if row is None else int(row[0])


def wait_for_balance(host: Host, wallet: str, expected: int,
                     exporter: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until the ledger holds the wallet at ``expected``; fail with the exporter's log if
    the exporter exits or it never does."""
    deadline = time.monotonic() + 60
    while ledger_balance(host, wallet) != expected:
        assert exporter.poll() is None, log.read_text()
        assert time.monotonic() < deadline, (ledger_balance(host, wallet), log.read_text())
        time.sleep(0.2)


def stop_as_systemd(host: Host, exporter: subprocess.Popen[bytes], log: Path) -> dict[str, int]:
    """Send SIGTERM as `systemctl stop` does and wait as long as the unit lets it (then systemd
    would kill it); return the totals it printed."""
    timeout = int(unit_service_section(host.path(f"/etc/systemd/system/{UNIT}"))
                  ["TimeoutStopSec"][0])
    exporter.send_signal(signal.SIGTERM)
    assert exporter.wait(timeout=timeout) == 0, log.read_text()
    output = log.read_text()
    totals: dict[str, int] = json.loads(output[output.rindex("{"):])
    return totals


def test_the_exporter_unit_runs_as_the_service_user_and_moves_the_services_changes_into_the_ledger(
        host: Host, operator_unit: RunningUnit, stopped: list[subprocess.Popen[bytes]],
        exporter_log: Path) -> None:
    wallet = f"exporter-{secrets.token_hex(4)}"
    exporter = start_exporter(host, exporter_log)
    stopped.append(exporter)
    admin(operator_unit, "/admin/wallets",
          {"walletId": wallet, "playerId": wallet, "currency": "BRL"})
    admin(operator_unit, f"/admin/wallets/{wallet}/deposits",
          {"amount": "12.34", "subWallet": "REAL", "reference": f"{wallet}-1"})

    wait_for_balance(host, wallet, 1234, exporter, exporter_log)

    assert Path(f"/proc/{exporter.pid}").stat().st_uid == host.uid
    totals = stop_as_systemd(host, exporter, exporter_log)
    assert totals["inserted"] >= 2  # the wallet's creation and its deposit, at least


def test_a_change_made_while_the_exporter_is_stopped_reaches_the_ledger_when_it_starts_again(
        host: Host, operator_unit: RunningUnit, stopped: list[subprocess.Popen[bytes]],
        exporter_log: Path) -> None:
    wallet = f"exporter-{secrets.token_hex(4)}"
    first = start_exporter(host, exporter_log)
    stopped.append(first)
    admin(operator_unit, "/admin/wallets",
          {"walletId": wallet, "playerId": wallet, "currency": "BRL"})
    wait_for_balance(host, wallet, 0, first, exporter_log)
    stop_as_systemd(host, first, exporter_log)

    admin(operator_unit, f"/admin/wallets/{wallet}/deposits",
          {"amount": "5.00", "subWallet": "REAL", "reference": f"{wallet}-while-stopped"})
    assert json.loads(run_walletsvc(host, "ledger", "status"))["pendingEntries"] >= 1
    assert ledger_balance(host, wallet) == 0  # it waits in Redis

    again = start_exporter(host, exporter_log)
    stopped.append(again)
    wait_for_balance(host, wallet, 500, again, exporter_log)
    assert stop_as_systemd(host, again, exporter_log)["inserted"] >= 1
