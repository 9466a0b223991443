"""config/systemd/walletsvc.service, walletsvc-operator.service and walletsvc-exporter.service:
systemd's verifier accepts them, and the gunicorn units' commands, run as their user with their
environment, serve walletsvc's GPAS process and its operator process (the exporter's:
test_exporter.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from devkit.operators import PLATFORM_TOKEN
from tests.deploy.host import Host, RunningUnit, unit_service_section
from tests.tools import require_program

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]


def verify_root(host: Host) -> Path:
    """Return the installed tree with what `systemd-analyze verify --root` also looks for
    there, as on any host: /bin/kill (ExecReload) and systemd's own units (the targets)."""
    root = host.root
    units = root / "usr" / "lib" / "systemd" / "system"
    if not units.exists():
        (root / "usr" / "bin").mkdir(parents=True, exist_ok=True)
        shutil.copy2(shutil.which("kill") or "/usr/bin/kill", root / "usr" / "bin" / "kill")
        system_units = Path("/usr/lib/systemd/system")
        shutil.copytree(system_units if system_units.is_dir() else Path("/lib/systemd/system"),
                        units, symlinks=True)
        (root / "bin").symlink_to("usr/bin")
        (root / "lib").symlink_to("usr/lib")
    return root


@pytest.mark.parametrize("name", ["walletsvc.service", "walletsvc-operator.service",
                                  "walletsvc-exporter.service"])
def test_systemd_analyze_verifies_the_installed_unit(host: Host, name: str) -> None:
    analyze = require_program("systemd-analyze", "systemd")
    result = subprocess.run([analyze, "verify", f"--root={verify_root(host)}", name],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_the_verifier_catches_a_unit_whose_command_is_missing(host: Host) -> None:
    analyze = require_program("systemd-analyze", "systemd")
    root = verify_root(host)
    broken = root / "etc" / "systemd" / "system" / "walletsvc-broken.service"
    broken.write_text((host.path("/etc/systemd/system/walletsvc.service")).read_text()
                      .replace(".venv/bin/gunicorn", ".venv/bin/no-such-gunicorn"))
    try:
        result = subprocess.run([analyze, "verify", f"--root={root}", broken.name],
                                capture_output=True, text=True, timeout=60, check=False)
    finally:
        broken.unlink()
    assert result.returncode != 0
    assert "no-such-gunicorn is not executable" in result.stderr


def test_the_units_command_serves_walletsvc_as_the_service_user(unit: RunningUnit,
                                                                host: Host) -> None:
    assert unit.get("/readyz") == 200
    assert unit.get("/healthz") == 200
    workers = Path(f"/proc/{unit.process.pid}/task/{unit.process.pid}/children").read_text()
    for pid in [unit.process.pid, *map(int, workers.split())]:
        assert Path(f"/proc/{pid}").stat().st_uid == host.uid
    metrics = host.path("/run/walletsvc/prometheus")
    assert metrics.is_dir() and metrics.stat().st_uid == host.uid


def test_the_operator_units_command_serves_the_admin_api_niced_as_the_service_user(
        operator_unit: RunningUnit, host: Host) -> None:
    status, body = operator_unit.call(
        "POST", "/admin/wallets", b'{"playerId": "p", "currency": "BRL"}',
        {"Authorization": f"Bearer {PLATFORM_TOKEN}", "Content-Type": "application/json"})
    assert status == 201, body
    assert operator_unit.get("/openapi.json") == 200
    assert operator_unit.get("/movements/debit") == 404  # GPAS's calls are the other unit's
    unit = unit_service_section(host.path("/etc/systemd/system/walletsvc-operator.service"))
    assert unit["Nice"] == ["10"] and unit["CPUWeight"] == ["10"]
    pid = operator_unit.process.pid
    for process in [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        assert Path(f"/proc/{process}").stat().st_uid == host.uid
        assert int(Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()[16]) == 10
    metrics = host.path("/run/walletsvc-operator/prometheus")
    assert metrics.is_dir() and metrics.stat().st_uid == host.uid
