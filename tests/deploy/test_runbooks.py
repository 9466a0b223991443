"""docs/runbooks/: every page another page names exists, every shell variable a page's commands
use is set on that page, and the commands that set them run as written on the installed host."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from devkit.postgres import binaries
from tests.deploy.host import ROOT, Host, RunningUnit, minimal_env
from tests.tools import require_program

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]

RUNBOOKS = ROOT / "docs" / "runbooks"
GUIDE = ROOT / "docs" / "deployment.md"
FENCED = re.compile(r"```[a-z]*\n(.*?)```", re.S)
USED = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
SET = re.compile(r"(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=")
SETTINGS = "/etc/walletsvc/walletsvc.env"


def pages() -> list[Path]:
    """Return the runbooks."""
    found = sorted(RUNBOOKS.glob("*.md"))
    assert len(found) >= 12
    return found


def commands(text: str) -> str:
    """Return a page's code: its fenced blocks and its inline code, one item a line."""
    inline = re.findall(r"`([^`\n]+)`", FENCED.sub("", text))
    return "\n".join(FENCED.findall(text) + inline)


def block_with(page: Path, start: str) -> str:
    """Return the page's fenced block whose first line starts with ``start``, unindented."""
    for block in FENCED.findall(page.read_text()):
        lines = block.splitlines()
        indent = len(lines[0]) - len(lines[0].lstrip())
        if lines[0].strip().startswith(start):
            return "\n".join(line[indent:] for line in lines) + "\n"
    raise AssertionError(f"{page.name} has no block starting with {start!r}")


def on_host(host: Host, block: str) -> str:
    """Rewrite a runbook block for the installed tree (root runs the tests: no sudo)."""
    assert SETTINGS in block
    return block.replace("sudo ", "").replace(SETTINGS, str(host.path(SETTINGS)))


def run(block: str, path: str = "/usr/bin:/bin") -> subprocess.CompletedProcess[str]:
    """Run a block with bash as a person would paste it, stopping at the first failure."""
    return subprocess.run(["bash", "-euo", "pipefail", "-c", block], env=minimal_env(PATH=path),
                          capture_output=True, text=True, timeout=60, check=False)


def test_every_variable_a_runbooks_commands_use_is_set_on_that_page() -> None:
    used_anywhere: set[str] = set()
    for page in pages():
        code = commands(page.read_text())
        used = set(USED.findall(code))
        assert used - set(SET.findall(code)) == set(), page.name
        used_anywhere |= used
    assert {"R", "REDIS_URL", "METRICS_TOKEN"} <= used_anywhere


def test_every_page_a_runbook_or_the_guide_names_exists() -> None:
    named = []
    for page in [*pages(), GUIDE]:
        for name in re.findall(r"(?<![\w/.-])((?:docs/|runbooks/)?[\w-]+(?:/[\w-]+)*\.md)\b",
                               page.read_text()):
            if name.startswith("docs/"):
                named.append((page.name, ROOT / name))
            elif name.startswith("runbooks/") or page != GUIDE:
                named.append((page.name, RUNBOOKS / name.removeprefix("runbooks/")))
    assert len(named) > 30
    assert [(page, str(path)) for page, path in named if not path.is_file()] == []


def test_the_runbooks_set_r_the_same_way_and_it_reaches_the_installed_hosts_redis(
        host: Host) -> None:
    require_program("redis-cli", "redis-tools")
    setups = {page.name: block_with(page, "REDIS_URL=") for page in pages()
              if "$R " in page.read_text()}
    assert len(setups) >= 5 and len(set(setups.values())) == 1, setups
    result = run(on_host(host, next(iter(setups.values()))) + "$R PING\n")
    assert (result.returncode, result.stdout) == (0, "PONG\n"), result.stderr


def test_the_overload_runbooks_metrics_command_runs_as_written(host: Host,
                                                               unit: RunningUnit) -> None:
    block = block_with(RUNBOOKS / "overload.md", "METRICS_TOKEN=")
    scrape = "\n".join(block.splitlines()[:3]) + "\n"  # the rest reads journald and nginx's log
    assert scrape.splitlines()[-1].strip().startswith("| grep")
    unit.call("POST", "/movements/debit", b"{}")  # a worker admits a call (refused unsigned)
    result = run(on_host(host, scrape).replace("127.0.0.1:8000", f"127.0.0.1:{unit.port}"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("walletsvc_requests_in_flight ")


def test_the_ledger_lag_runbooks_postgresql_check_reaches_the_installed_hosts_ledger(
        host: Host) -> None:
    block = block_with(RUNBOOKS / "ledger-lag.md", "pg_isready")
    # pg_isready as the pgserver wheel ships it, the server's own version.
    result = run(on_host(host, block), f"{binaries()}:/usr/bin:/bin")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "accepting connections" in result.stdout

