"""wrk, the C load generator, driving prebuilt requests (bench/wrk.lua).

Signed debits need a reference and a signature each, which wrk cannot make cheaply; they are
built here beforehand, spread round-robin over the sessions, and written into one file per wrk
thread that bench/wrk.lua loads at start and hands out one by one: wrk itself only copies bytes
(a few tens of µs of CPU per request). Each thread gets enough for the whole run at
``max_rps``; any request sent past the end of a file is counted and reported as an error.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import gpas

SCRIPT = Path(__file__).with_name("wrk.lua")
TIMEOUT_S = 10  # gunicorn's worker timeout: an answer later than that is an error


def program() -> str:
    """Return the wrk program, or explain how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: `apt-get install wrk` (Debian's package), or "
                         "run `make bench`, which installs it when run as root")
    return found


def debits(sessions: list[str], count: int, nonce: str) -> Iterator[bytes]:
    """Yield ``count`` signed debits of 0.10 to 5.00, round-robin over ``sessions``, each with a
    reference of its own (``nonce`` keeps them apart from any other run's), which is also its
    X-Request-Id: the answer, which echoes it, names the debit it answers."""
    for n in range(count):
        value = f"{(n * 7919) % 491 / 100 + 0.10:.2f}"
        reference = f"d{nonce}-{n}"
        yield gpas.movement("debit", sessions[n % len(sessions)], reference, value, str(n),
                            request_id=reference)


def write_files(prefix: Path, requests: Iterator[bytes], threads: int) -> int:
    """Deal ``requests`` round-robin into ``prefix``-N.req, one file per thread, as records
    ``<byte count>\\n<request>``; return how many were written."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    files = [prefix.with_name(f"{prefix.name}-{n}.req").open("wb") for n in range(threads)]
    written = 0
    try:
        for written, request in enumerate(requests, start=1):
            files[(written - 1) % threads].write(b"%d\n%s" % (len(request), request))
    finally:
        for file in files:
            file.close()
    return written


def read_files(prefix: Path, threads: int) -> list[list[bytes]]:
    """Return the requests of each thread's file, as bench/wrk.lua reads them."""
    found = []
    for n in range(threads):
        data, at, requests = prefix.with_name(f"{prefix.name}-{n}.req").read_bytes(), 0, []
        while at < len(data):
            newline = data.index(b"\n", at)
            size = int(data[at:newline])
            requests.append(data[newline + 1:newline + 1 + size])
            at = newline + 1 + size
        found.append(requests)
    return found


@dataclass(frozen=True)
class Answer:
    """One answer bench/wrk.lua recorded: status, GPAS type (OK for a 200), request id, µs."""

    status: int
    type: str
    request_id: str
    latency_us: int


@dataclass(frozen=True)
class Load:
    """One wrk run: the URL, the request files' prefix, whether each request goes out once,
    and where to record every answer (None: only wrk's summary)."""

    url: str
    prefix: Path
    unique: bool
    threads: int
    connections: int
    seconds: float
    answers: Path | None = None

    def command(self) -> list[str]:
        """Return the wrk command line."""
        recorded = [str(self.answers)] if self.answers else []
        return [program(), "-t", str(self.threads), "-c", str(self.connections),
                "-d", f"{self.seconds:g}s", "--timeout", f"{TIMEOUT_S}s", "-s", str(SCRIPT),
                self.url, "--", str(self.prefix), "unique" if self.unique else "cycle",
                *recorded]

    def read_answers(self) -> list[Answer]:
        """Return every answer bench/wrk.lua recorded (the run must have asked for them), and
        a status 0 ``REPEATED`` line for each request it sent more than once."""
        assert self.answers is not None
        found = []
        for line in self.answers.read_text().splitlines():
            status, kind, request_id, latency = line.split(" ")
            found.append(Answer(int(status), kind, request_id, int(latency)))
        return found

    def remove_files(self) -> None:
        """Delete the request files (a debit run's take tens of megabytes)."""
        for n in range(self.threads):
            self.prefix.with_name(f"{self.prefix.name}-{n}.req").unlink(missing_ok=True)

    def start(self) -> subprocess.Popen[str]:
        """Start wrk; its standard output ends with the JSON line of bench/wrk.lua's done()."""
        return subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)


def result(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    """Wait for wrk and return its counts, errors and latencies (ms), as the report reads them."""
    out, err = process.communicate(timeout=timeout)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {err.strip() or out.strip()}")
    return parse(out)


def parse(output: str) -> dict[str, Any]:
    """Return the run's figures from wrk's standard output (the last line is bench/wrk.lua's)."""
    found = json.loads(output.strip().splitlines()[-1])
    seconds = found["duration_us"] / 1e6
    latency = found["latency_us"]
    errors = sum(found["errors"].values()) + found["repeated"]
    total = {"count": found["requests"], "rps": round(found["requests"] / seconds, 1),
             "errors": errors, "mean_ms": round(latency["mean"] / 1000, 2),
             **{f"{name}_ms": round(latency[name] / 1000, 2)
                for name in ("p50", "p90", "p99", "p999", "max")}}
    return {"generator": "wrk", "seconds": round(seconds, 3), "total": total,
            "wrk_errors": found["errors"], "repeated_requests": found["repeated"],
            "prepared_requests": found["prepared"]}


def nonce() -> str:
    """Return a tag that keeps this run's references apart from every other run's."""
    return uuid.uuid4().hex[:8]


def ping() -> bytes:
    """Return the floor's request."""
    return gpas.raw_request("GET", "/ping")
