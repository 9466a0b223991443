"""scripts/install-host.sh, the guide's install step: user, folders, modes, the locked venv."""

from __future__ import annotations

import filecmp
import stat
import subprocess
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from devkit.operators import PLATFORM_TOKEN
from devkit.settings import SECRET
from tests.deploy.host import ROOT, Host, minimal_env
from tests.support.lock import locked

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]


def mode(path: Path) -> tuple[int, int, int]:
    """Return (owner uid, group gid, permission bits)."""
    info = path.stat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test_the_service_user_is_a_system_account_that_cannot_log_in(host: Host) -> None:
    entry = next(line.split(":") for line in host.path("/etc/passwd").read_text().splitlines()
                 if line.startswith("walletsvc:"))
    assert entry[5:] == ["/srv/walletsvc", "/usr/sbin/nologin"]
    assert host.uid < 1000


def test_the_home_and_settings_folders_exist_and_belong_to_root(host: Host) -> None:
    assert mode(host.path("/srv/walletsvc")) == (0, host.gid, 0o750)
    assert mode(host.path("/etc/walletsvc")) == (0, host.gid, 0o750)
    assert mode(host.path("/srv/walletsvc/walletsvc/app.py"))[:2] == (0, 0)


def test_the_settings_file_is_readable_by_the_service_user_only(host: Host) -> None:
    settings = host.path("/etc/walletsvc/walletsvc.env")
    assert mode(settings) == (0, host.gid, 0o640)
    as_service = host.run_as_service_user(["cat", str(settings)], minimal_env())
    assert as_service.returncode == 0 and SECRET in as_service.stdout
    nobody = subprocess.run(["cat", str(settings)], user=65534, group=65534, extra_groups=[],
                            capture_output=True, text=True, check=False)
    assert nobody.returncode != 0 and SECRET not in nobody.stdout


def test_the_service_user_cannot_change_its_code_or_settings(host: Host) -> None:
    for target in ("/srv/walletsvc/wsgi.py", "/etc/walletsvc/walletsvc.env"):
        result = host.run_as_service_user(["sh", "-c", f"echo x >> {host.path(target)}"],
                                          minimal_env())
        assert result.returncode != 0, target


def test_the_venv_holds_exactly_the_locked_versions(host: Host) -> None:
    python = host.path("/srv/walletsvc/.venv/bin/python")
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze",
                             "--disable-pip-version-check"], capture_output=True, text=True,
                            check=True).stdout
    installed: dict[str, str] = {canonicalize_name(name): version for name, version in
                 (line.split("==") for line in listed.splitlines() if "==" in line)}
    for name, (version, marker, _) in locked().items():
        if not marker:
            assert installed.get(name) == version, name
    assert installed["walletsvc"] == "0.1.0"


def test_the_shipped_files_are_installed_where_the_guide_says(host: Host) -> None:
    for shipped, target in [("config/systemd/walletsvc.service",
                             "/etc/systemd/system/walletsvc.service"),
                            ("config/systemd/walletsvc-operator.service",
                             "/etc/systemd/system/walletsvc-operator.service"),
                            ("config/systemd/walletsvc-exporter.service",
                             "/etc/systemd/system/walletsvc-exporter.service"),
                            ("config/cron/walletsvc", "/etc/cron.d/walletsvc"),
                            ("config/nginx/walletsvc/errors.conf",
                             "/etc/nginx/walletsvc/errors.conf"),
                            ("config/nginx/walletsvc.conf", "/etc/nginx/conf.d/walletsvc.conf")]:
        assert filecmp.cmp(ROOT / shipped, host.path(target), shallow=False), target


def test_the_operator_walletsvc_runs_as_the_service_user_with_its_settings(host: Host) -> None:
    command = host.path("/usr/local/bin/walletsvc")
    created = subprocess.run([str(command), "create-wallet", "--player", "p", "--currency",
                              "BRL"], env=minimal_env(WALLETSVC_OPERATOR_TOKEN=PLATFORM_TOKEN),
                             capture_output=True, text=True,
                             timeout=60, check=False)
    assert created.returncode == 0, created.stderr
    assert '"currency": "BRL"' in created.stdout or '"currency":"BRL"' in created.stdout


def test_running_the_install_again_keeps_the_settings(host: Host) -> None:
    settings = host.path("/etc/walletsvc/walletsvc.env")
    before = settings.read_text()
    result = subprocess.run([str(ROOT / "scripts/install-host.sh"), "--root", str(host.root)],
                            capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stderr
    assert settings.read_text() == before
    assert mode(settings) == (0, host.gid, 0o640)
