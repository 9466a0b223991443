"""A host installed by scripts/install-host.sh under a temporary root, and the shipped unit
and cron line run there as the walletsvc user."""

from __future__ import annotations

import http.client
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devkit.settings import PARENT_ID, SECRET
from walletsvc.config import Config

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install-host.sh"
# What useradd --prefix reads and writes; copied from this host, as a fresh host has them.
ACCOUNT_FILES = ("passwd", "group", "shadow", "gshadow", "login.defs")
RECONCILIATION_KEY = "reconciliation-key-of-the-install"
METRICS_TOKEN = "metrics-token-of-the-install"


@dataclass
class Host:
    """The installed tree and the walletsvc user's ids in it."""

    root: Path
    uid: int
    gid: int

    def path(self, absolute: str) -> Path:
        """Return where ``absolute`` (a path on the real host) lies in this tree."""
        return self.root / absolute.lstrip("/")

    def in_root(self, text: str) -> str:
        """Rewrite the host paths the shipped files use into this tree's."""
        for top in ("/srv/walletsvc", "/etc/walletsvc", "/run/walletsvc", "/usr/local/bin"):
            text = text.replace(top, str(self.path(top)))
        return text

    def run_as_service_user(self, argv: list[str], env: dict[str, str],
                            cwd: Path | None = None, timeout: float = 60
                            ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` as the walletsvc user and wait for it."""
        return subprocess.run(argv, env=env, cwd=cwd or self.root, user=self.uid,
                              group=self.gid, extra_groups=[], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def fill_in_settings(self, redis_url: str, ledger_url: str, allowed: str) -> None:
        """Fill in the settings file as the guide asks the operator to."""
        values = {
            "WALLETSVC_REDIS_URL": redis_url,
            "WALLETSVC_LEDGER_URL": ledger_url,
            "WALLETSVC_PARENT_SYSTEMS": json.dumps({PARENT_ID: SECRET}),
            "WALLETSVC_RECONCILIATION_API_KEY": RECONCILIATION_KEY,
            "WALLETSVC_METRICS_TOKEN": METRICS_TOKEN,
            "WALLETSVC_GPAS_ALLOWED_IPS": allowed,
        }
        settings = self.path("/etc/walletsvc/walletsvc.env")
        lines = []
        for line in settings.read_text().splitlines():
            name = line.split("=", 1)[0]
            lines.append(f"{name}={values.pop(name)}" if name in values else line)
        assert not values, f"the example settings file lacks {sorted(values)}"
        settings.write_text("\n".join(lines) + "\n")

    def settings(self) -> Config:
        """Return the installed settings as the service reads them (its file, nothing else)."""
        return Config.from_env(
            {"WALLETSVC_CONFIG_FILE": str(self.path("/etc/walletsvc/walletsvc.env"))})


def make_root() -> Path:
    """Return a new empty root with this host's account files, readable by any user."""
    root = Path(tempfile.mkdtemp(prefix="walletsvc-host-"))
    root.chmod(0o755)
    (root / "etc").mkdir()
    for name in ACCOUNT_FILES:
        shutil.copy2(Path("/etc") / name, root / "etc" / name)
    (root / "etc" / "nginx").mkdir()  # nginx runs on this host too
    return root


def install(root: Path) -> Host:
    """Run scripts/install-host.sh into ``root``; return the host."""
    result = subprocess.run([str(INSTALL), "--root", str(root)], capture_output=True,
                            text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    fields = next(line.split(":") for line in (root / "etc/passwd").read_text().splitlines()
                  if line.startswith("walletsvc:"))
    return Host(root, int(fields[2]), int(fields[3]))


def unit_service_section(unit: Path) -> dict[str, list[str]]:
    """Return the [Service] keys of a systemd unit, each with all of its values."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def unit_environment(service: dict[str, list[str]]) -> dict[str, str]:
    """Return the variables the unit's Environment= lines set."""
    env: dict[str, str] = {}
    for assignment in service.get("Environment", []):
        for item in shlex.split(assignment):
            name, value = item.split("=", 1)
            env[name] = value
    return env


def cron_entries(path: Path) -> tuple[dict[str, str], list[tuple[list[str], str, str]]]:
    """Return a cron.d file's variables and its (schedule fields, user, command) entries."""
    variables, entries = {}, []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 6)
        if "=" in fields[0] and len(fields) == 1:
            name, value = fields[0].split("=", 1)
            variables[name] = value
            continue
        assert len(fields) == 7, line
        entries.append((fields[:5], fields[5], fields[6]))
    return variables, entries


def launch_unit(host: Host, name: str, log: Path, ours: dict[str, str]
                ) -> subprocess.Popen[bytes]:
    """Start the installed unit ``name``'s command as the unit says: its user, working folder,
    environment (``ours`` added) and runtime folder; its output goes to ``log``."""
    service = unit_service_section(host.path(f"/etc/systemd/system/{name}"))
    assert service["User"] == ["walletsvc"] and service["Group"] == ["walletsvc"]
    env = minimal_env(**{k: host.in_root(v) for k, v in unit_environment(service).items()})
    for folder, mode in zip(service.get("RuntimeDirectory", []),
                            service.get("RuntimeDirectoryMode", []), strict=True):
        runtime = host.path("/run/" + folder)
        runtime.mkdir(parents=True, exist_ok=True)
        os.chown(runtime, host.uid, host.gid)
        runtime.chmod(int(mode, 8))
    with log.open("wb") as out:
        return subprocess.Popen(
            shlex.split(host.in_root(service["ExecStart"][0])), env=env | ours,
            cwd=host.path(service["WorkingDirectory"][0]), user=host.uid, group=host.gid,
            extra_groups=[], stdout=out, stderr=subprocess.STDOUT)


def run_walletsvc(host: Host, *argv: str) -> str:
    """Run `sudo walletsvc ARGV` as the guide does (root runs the tests); return its output."""
    result = subprocess.run([str(host.path("/usr/local/bin/walletsvc")), *argv],
                            env=minimal_env(), capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def minimal_env(**extra: str) -> dict[str, str]:
    """Return the environment systemd and cron give a job: PATH and little else."""
    inherited = {k: v for k, v in os.environ.items() if k == "SSL_CERT_FILE"}
    return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **inherited, **extra}


@dataclass
class RunningUnit:
    """gunicorn started as the unit starts it."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def get(self, path: str) -> int:
        """Return the status of GET ``path``."""
        return self.call("GET", path)[0]

    def call(self, method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        """Send one request; return its status and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()
