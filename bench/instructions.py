"""Instructions per request, counted by valgrind: a measure of a debit's Python work that the
machine's noise cannot move.

``python -m bench.instructions [--requests 300]`` starts a redis-server (no persistence) and a
PostgreSQL with the demo operators (the setup's admin calls are theirs), then
runs three processes under ``valgrind --tool=callgrind``: each builds walletsvc and the floor app
and opens a funded session (bench.cpu's setup), then one stops, one serves ``--requests`` floor
requests and one as many signed debits, called as WSGI apps without HTTP. The differences of
their instruction counts, per request, are what a floor request and a debit cost in the
process: the same from run to run to a fraction of a percent, where CPU seconds (bench.cpu)
move by tens of percent on a shared machine. Only user-space instructions of the Python process
count: the kernel's share of a Redis round trip and Redis's own work are left out, the same for
both. Needs valgrind (Debian's package); a run takes about a minute and a half.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import redirect_stderr
from pathlib import Path

from bench import cpu
from devkit.postgres import demo_database

ROOT = Path(__file__).resolve().parents[1]
_COLLECTED = re.compile(r"Collected : (\d+)")


def serve(kind: str, requests: int) -> None:
    """In the counted process: set up, then serve ``requests`` of ``kind`` (floor or debit)."""
    with open(os.devnull, "w") as log, redirect_stderr(log):
        from bench.floor import app as floor
        from wsgi import app as service
        from wsgi import operator_app as operator

        session_id = cpu.funded_session(operator, service, f"instructions-{kind}-{requests}")
        cpu.cpu_per_request(floor, [cpu.environment_of_ping() for _ in range(50)])  # warm up
        cpu.cpu_per_request(service, cpu.debit_environs(session_id, 50, f"warm-{session_id}"))
        if requests:
            envs = ([cpu.environment_of_ping() for _ in range(requests)] if kind == "floor"
                    else cpu.debit_environs(session_id, requests, session_id))
            cpu.cpu_per_request(floor if kind == "floor" else service, envs)


def counted(kind: str, requests: int, env: dict[str, str], workdir: Path) -> int:
    """Return the instructions a process serving ``requests`` of ``kind`` executed."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={workdir}/callgrind.%p",
         sys.executable, "-m", "bench.instructions", "--serve", kind, str(requests)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no count: {done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    """Count and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--serve", nargs=2, metavar=("KIND", "REQUESTS"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve[0], int(options.serve[1]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian package 'valgrind')")
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        server = cpu.started_store(workdir / "redis")
        try:
            with demo_database() as ledger_url:
                env = {**os.environ, **cpu.settings(server.url, ledger_url)}
                base = counted("debit", 0, env, workdir)
                per = {kind: (counted(kind, options.requests, env, workdir) - base)
                       / options.requests for kind in ("floor", "debit")}
        finally:
            server.stop()
    print(json.dumps({"instructions_per_request": per, "requests": options.requests}))
    print(f"floor  {per['floor'] / 1e3:8.0f} k instructions per request (GET /ping)")
    print(f"debit  {per['debit'] / 1e3:8.0f} k instructions per request (signed debit)")
    print(f"debit / floor: {per['debit'] / per['floor']:.2f}")


if __name__ == "__main__":
    main()
