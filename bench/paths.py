"""Where the benchmarks write their results: an untracked folder, unless recording on purpose.

``bench/results/`` is in git: the measured figures the documentation quotes. A run writes to
``var/bench/results/`` (ignored), so trying the benchmark never rewrites them; with
``BENCH_RECORD=1`` in the environment it writes ``bench/results/`` instead, to be committed.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "bench" / "results"
SCRATCH = ROOT / "var" / "bench" / "results"


def results_dir() -> Path:
    """Return the folder results go to: the recorded one only when BENCH_RECORD=1."""
    return RECORDED if os.environ.get("BENCH_RECORD") == "1" else SCRATCH


def result(name: str) -> Path:
    """Return the path of the result file ``name``, its folder made."""
    path = results_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
