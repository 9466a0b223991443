"""The benchmarks write to an ignored folder unless asked to record (bench/paths.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import paths

ROOT = Path(__file__).resolve().parents[1]


def test_results_go_to_an_ignored_folder_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_RECORD", raising=False)

    folder = paths.results_dir().relative_to(ROOT)

    assert folder.parts[0] == "var"
    assert "var/" in (ROOT / ".gitignore").read_text().splitlines()


def test_bench_record_writes_the_recorded_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_RECORD", "1")

    assert paths.results_dir() == ROOT / "bench" / "results"


def test_no_benchmark_names_the_recorded_folder_itself() -> None:
    modules = sorted((ROOT / "bench").glob("*.py"))
    assert len(modules) > 10
    bypassing = [module.name for module in modules if module.name != "paths.py"
                 and re.search(r"""/\s*["']results["']""", module.read_text())]
    assert bypassing == []
