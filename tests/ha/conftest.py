"""Fixtures of the replicated setups: clients closed after each test, and the figures file.

``redis_binary`` (tests/conftest.py) runs each test on every Redis version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ha.servers import close_clients

_FIGURES: list[Path] = []


@pytest.fixture(autouse=True)
def _closed_clients() -> Iterator[None]:
    """Close every client a test opened (tests.ha.servers.opened)."""
    yield
    close_clients()


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
