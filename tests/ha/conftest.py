"""Fixtures of the replicated setups: clients closed after each test, and the figures file
whose lines each scenario's report carries.

``redis_binary`` (tests/conftest.py) runs each test on every Redis version.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.ha.load import FIGURES_PROPERTY
from tests.ha.servers import close_clients

_FIGURES: list[Path] = []
_SHOWN: dict[Path, int] = {}  # how many of a file's lines are on reports already


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Put the figures a scenario just added on its report, where the summary at the end of
    the run finds them (tests/conftest.py), also from another process under pytest-xdist."""
    report = yield
    for path in _FIGURES:
        lines = [line for line in path.read_text().split("\n") if line] if path.exists() else []
        report.user_properties.extend((FIGURES_PROPERTY, line)
                                      for line in lines[_SHOWN.get(path, 0):])
        _SHOWN[path] = len(lines)
    return report
