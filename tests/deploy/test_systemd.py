"""config/systemd/walletsvc.service: systemd's verifier accepts it, and its command, run as
its user with its environment, serves walletsvc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.host import Host, RunningUnit
from tests.tools import require_program

pytestmark = [pytest.mark.slow, pytest.mark.realredis]


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


def test_systemd_analyze_verifies_the_installed_unit(host: Host) -> None:
    analyze = require_program("systemd-analyze", "systemd")
    result = subprocess.run([analyze, "verify", f"--root={verify_root(host)}",
                             "walletsvc.service"], capture_output=True, text=True, timeout=60,
                            check=False)
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
