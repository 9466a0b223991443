"""Profile the service's workers with py-spy under the debit load, and say where time goes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import wrk

if TYPE_CHECKING:
    from bench.loads import Bench

CONCURRENCY = 8
RATE = 100  # samples per second per process: enough, and light on 2 cores
# Stages of a request, by the innermost frame of walletsvc (or logging) a sample is in; when
# none, by the framework it is in. The first pattern a frame contains names its stage.
STAGES = [
    ("marshmallow schema objects built per request", ("Schema.__init__ (",)),
    ("logging & metrics", ("walletsvc/observability", "prometheus_client/", "logging/")),
    ("signature check", ("walletsvc/signing.py",)),
    ("request parsing & validation", ("load_args (", "load_body (", "_load (")),
    ("answer (schema dump, JSON)", ("respond (", "walletsvc/api/presenters.py")),
    ("store: script call, Redis wait", ("walletsvc/store/",)),
    ("domain (amounts, fingerprint, ids)", ("walletsvc/domain/",)),
    ("views & error handlers", ("walletsvc/",)),
]
FRAMEWORKS = [("Flask/Werkzeug", ("flask/", "werkzeug/")),
              ("gunicorn (accept, HTTP parse, write)", ("gunicorn/",))]


def _stage(frames: list[str]) -> str:
    if any("close_graceful (" in frame for frame in frames):
        return "gunicorn: waiting for the client to close"
    if "_read_from_socket (" in frames[-1]:
        return "Redis: waiting for the reply"
    if any("SyncWorker.wait (" in frame or "select (" in frame for frame in frames):
        return "gunicorn: idle, waiting for a connection"
    for table in (STAGES, FRAMEWORKS):
        for frame in reversed(frames):
            for name, patterns in table:
                if any(pattern in frame for pattern in patterns):
                    return name
    return "other"


def _library(frame: str) -> str:
    path = frame.rsplit(" (", 1)[-1].split(":", 1)[0]
    return path.split("/", 1)[0] if "/" in path else path.removesuffix(".py")


def summarize(folded: Path) -> dict[str, Any]:
    """Return sample shares by request stage, by library (self time) and the top functions."""
    stages: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if stack.count(";process ") == 0 or not frames:
            continue  # the gunicorn master (its workers' stacks start with two processes)
        stages[_stage(frames)] += int(count)
        libraries[_library(frames[-1])] += int(count)
        functions[frames[-1]] += int(count)
    total = sum(stages.values()) or 1

    def shares(counter: Counter[str], top: int) -> list[list[Any]]:
        return [[name, round(100 * n / total, 1)] for name, n in counter.most_common(top)]

    return {"samples": total, "stages_pct": shares(stages, 20),
            "libraries_self_pct": shares(libraries, 12),
            "functions_self_pct": shares(functions, 15)}


def profile_debits(bench: Bench, results: Path) -> dict[str, Any]:
    """Profile every gunicorn worker under wrk's debit load at 8 connections, twice.

    First CPU (``--gil``: samples only while Python runs, which in a single-threaded worker is
    its CPU time outside blocking calls), then wall time (``--idle``: every sample, waiting
    included), each for ``--profile-seconds``.
    """
    seconds = int(bench.args.profile_seconds)
    load = bench.wrk_load("debit", bench.stack.service, CONCURRENCY, 2 * seconds + 4, "profile")
    bench.wait_for_quiet()
    process = load.start()
    time.sleep(1)
    profiles = {view: _record(bench, view, flag, seconds)
                for view, flag in (("cpu", "--gil"), ("wall", "--idle"))}
    under = wrk.result(process, load.seconds + 60)
    load.remove_files()
    result = {"scenario": f"debit x{CONCURRENCY} from wrk, py-spy {RATE} Hz on every gunicorn "
                          f"process of {bench.stack.service.label}",
              "load_under_profiler": under["total"], **profiles}
    (results / "profile-debit.txt").write_text(text(result) + "\n")
    return result


def _record(bench: Bench, view: str, flag: str, seconds: int) -> dict[str, Any]:
    folded = bench.stack.workdir / f"profile-debit-{view}.folded"
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"
    subprocess.run([py_spy, "record", "--pid", str(bench.stack.service.pid), "--subprocesses",
                    flag, "--rate", str(RATE), "--duration", str(seconds), "--format", "raw",
                    "--output", str(folded)], check=True, capture_output=True)
    return {"folded_stacks": str(folded), **summarize(folded)}


def text(profile: dict[str, Any]) -> str:
    """Return the profile summary as readable text."""
    lines = [f"Profile: {profile['scenario']} "
             f"(load meanwhile: {profile['load_under_profiler'].get('rps')} rps)"]
    for view, title in (("cpu", "CPU (--gil)"), ("wall", "wall time (--idle); when the CPUs are "
                         "saturated a worker's wait for a CPU shows in the call it is blocked in, "
                         "mostly the Redis reply")):
        found = profile[view]
        lines.append(f"{title}: {found['samples']} samples")
        for heading, key in (("by request stage (inclusive)", "stages_pct"),
                             ("by library (self time)", "libraries_self_pct"),
                             ("top functions (self time)", "functions_self_pct")):
            lines.append(f"  {heading}:")
            lines += [f"    {pct:5.1f}%  {name}" for name, pct in found[key]]
    return "\n".join(lines)
