"""GPAS's debits with and without ledger reports running, in one run.

``python -m bench.reports`` starts the stack as ``make bench`` does (redis-server with
``appendfsync always``, GPAS's gunicorn and the operator's, each with its shipped config) over
a local PostgreSQL whose ledger holds a busy wallet: ``--entries`` movements over a year,
written by one SQL statement (devkit/statements.py). It then runs the wrk debit load
(bench/loads.py) round after round, alternately alone and while an operator asks the operator
process for that wallet's year-long statement, one after another, and compares GPAS's latency
percentiles. The target: p99 with reports within 2x of p99 without. With ``--shared``, each
round also runs the control: debits and statements on one gunicorn that serves both apps in
GPAS's gevent workers, as walletsvc served them before the operator had a process of its own.

The operator's gunicorn runs in a session of its own at autogroup nice 10 (bench/stack.py):
where systemd gives each unit a cgroup weighted by CPUWeight=, this machine's kernel groups
processes by session, so its CPU is weighed against GPAS's as the units weigh it.

It writes ``reports.json`` and ``reports.txt`` (bench/paths.py says where).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from bench import paths, usage
from bench.loads import Bench
from bench.stack import ROOT, Gunicorn, Serving, Stack
from devkit.operators import PLATFORM_TOKEN
from devkit.postgres import fresh_database, start_with_template, stop_and_remove
from devkit.statements import seed_statement

WALLET = "busy-wallet"
STATEMENT = f"/admin/ledger/wallets/{WALLET}/statement?date_from=2025-01-01&date_to=2025-12-31"
LINE = b'{"at":'
ALONE = "alone"
BESIDE = "beside reports (operator process)"
SHARED = "beside reports (shared gevent workers)"


class Statements:
    """Operators asking for the busy wallet's year, one statement after another, until stopped."""

    def __init__(self, port: int, clients: int) -> None:
        self.port, self.stop = port, threading.Event()
        self.whole: list[int] = []  # lines of each statement read to its end
        self.streamed = 0  # lines read in all, the statement cut off at the end included
        self.failed: list[str] = []
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client) for _ in range(clients)]

    def __enter__(self) -> Statements:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self) -> None:
        while not self.stop.is_set():
            try:
                lines = self._read()
            except (OSError, http.client.HTTPException) as exc:
                self.failed.append(type(exc).__name__)
                continue
            if lines is not None:
                self.whole.append(lines)

    def _read(self) -> int | None:
        """Read one statement; return its lines, or None when stopped part-way."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request("GET", STATEMENT,
                               headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
            answer = connection.getresponse()
            if answer.status != 200:
                raise http.client.HTTPException(f"HTTP {answer.status}")
            lines, tail = 0, b""
            while chunk := answer.read(1 << 20):
                if self.stop.is_set():
                    return None
                counted = (tail + chunk).count(LINE)  # a line cut between chunks counts once
                tail = chunk[-(len(LINE) - 1):]
                lines += counted
                with self._lock:
                    self.streamed += counted
            return lines
        finally:
            connection.close()


@dataclass(frozen=True)
class Mode:
    """Where the debits go, and where statements are asked for meanwhile (None: nowhere)."""

    name: str
    debits: Gunicorn
    statements: Gunicorn | None


def phase(bench: Bench, mode: Mode, args: argparse.Namespace, postgres: int
          ) -> dict[str, Any]:
    """Run one round of the debit load in ``mode``; return wrk's figures and the CPU used."""
    operator = bench.stack.operator
    groups = {"gpas workers": (mode.debits.workers(), False),
              "operator": ([operator.pid], True),
              "redis": ([node.process.pid for node in bench.stack.redis_servers
                         if node.process], False),
              "postgres": ([postgres], True)}
    statements = Statements(mode.statements.port, args.report_clients) if mode.statements else None
    before, started = usage.snapshot(groups), time.monotonic()
    with statements or contextlib.nullcontext():
        found = bench.drive("debit", args.connections, mode.debits)
    after, elapsed = usage.snapshot(groups), time.monotonic() - started
    # A process that ended meanwhile (a PostgreSQL backend) takes its time with it: never < 0.
    cores = {name: round(max(after[name] - before[name], 0) / elapsed, 2)
             for name in [*groups, "runner", "machine"]}
    result = {"mode": mode.name, **found["total"], "cpu_cores": cores}
    if statements:
        result |= {"statements_whole": len(statements.whole),
                   "statement_lines_streamed": statements.streamed,
                   "statement_lines": sorted(set(statements.whole)),
                   "statement_failures": statements.failed}
    return result


def modes(stack: Stack, shared: Gunicorn | None) -> list[Mode]:
    """Return the modes of one round, in the order they run."""
    found = [Mode(ALONE, stack.service, None), Mode(BESIDE, stack.service, stack.operator)]
    return found + ([Mode(SHARED, shared, shared)] if shared else [])


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set the stack up, run the rounds, return everything measured."""
    workdir = ROOT / "var" / "bench" / time.strftime("reports-%Y%m%dT%H%M%S")
    load_average = os.getloadavg()  # other work on the machine, before any of ours
    postgres = start_with_template()
    assert postgres.process is not None
    rounds: list[dict[str, Any]] = []
    try:
        url = fresh_database(postgres)
        seed_statement(url, WALLET, args.entries, date(2025, 1, 1), 365)
        stack = Stack(workdir, "always", Serving(), settings={"WALLETSVC_LEDGER_URL": url})
        # The control: both apps in one gevent gunicorn, as walletsvc served reports before.
        shared = Gunicorn("walletsvc:create_app()", stack.env, workdir / "shared.log",
                          "/healthz", Serving()) if args.shared else None
        try:
            stack.start()
            bench = Bench(args, stack)
            bench.create_wallets()
            for shared_app in [shared] if shared else []:
                shared_app.start()
            for number in range(args.rounds):
                for mode in modes(stack, shared):
                    args.warmup = args.first_warmup if not rounds else 0
                    rounds.append(phase(bench, mode, args, postgres.process.pid)
                                  | {"round": number + 1})
                    print(line(rounds[-1]), flush=True)
        finally:
            for shared_app in [shared] if shared else []:
                shared_app.stop()
            stack.stop()
    finally:
        stop_and_remove(postgres)
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "git_head": _git("rev-parse", "--short", "HEAD"),
            "entries": args.entries, "connections": args.connections,
            "seconds_per_round": args.duration, "report_clients": args.report_clients,
            "load_average_at_start": load_average, "rounds": rounds,
            "summary": summary(rounds)}


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Return each mode's figures over the rounds, and the target's ratios (<= 2): GPAS's p99
    beside reports in the operator process over its p99 alone, as the medians of the rounds,
    and as the median of each round's own ratio (the two ran a few seconds apart, so other
    work on the machine weighs on both alike)."""
    found: dict[str, Any] = {}
    for mode in (ALONE, BESIDE, SHARED):
        ran = [r for r in rounds if r["mode"] == mode]
        if ran:
            found[mode] = {"p99_ms": [r["p99_ms"] for r in ran],
                           "median_p99_ms": statistics.median(r["p99_ms"] for r in ran),
                           "median_p50_ms": statistics.median(r["p50_ms"] for r in ran),
                           "median_rps": statistics.median(r["rps"] for r in ran),
                           "worst_max_ms": max(r["max_ms"] for r in ran),
                           "errors": sum(r["errors"] for r in ran),
                           "statements_whole": sum(r.get("statements_whole", 0) for r in ran)}
    alone = {r["round"]: r["p99_ms"] for r in rounds if r["mode"] == ALONE}
    paired = [r["p99_ms"] / alone[r["round"]] for r in rounds if r["mode"] == BESIDE]
    found["ratio_of_median_p99"] = round(found[BESIDE]["median_p99_ms"]
                                         / found[ALONE]["median_p99_ms"], 2)
    found["median_of_round_ratios"] = round(statistics.median(paired), 2)
    found["round_ratios"] = [round(ratio, 2) for ratio in paired]
    return found


def line(found: dict[str, Any]) -> str:
    """Return one round as a table line."""
    statements = (f"  statement lines streamed {found['statement_lines_streamed']}, "
                  f"statements whole {found['statements_whole']} "
                  f"(lines {found['statement_lines']}), failed {found['statement_failures']}"
                  if found["mode"] != ALONE else "")
    return (f"round {found['round']} {found['mode']:<34} {found['rps']:7.1f} debits/s  "
            f"p50 {found['p50_ms']:7.2f}  p99 {found['p99_ms']:8.2f}  max {found['max_ms']:8.2f}"
            f" ms  errors {found['errors']}  cores {found['cpu_cores']}{statements}")


def _git(*command: str) -> str:
    return subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()


def arguments() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300_000,
                        help="movements of the busy wallet in the year")
    parser.add_argument("--connections", type=int, default=8, help="wrk's debit connections")
    parser.add_argument("--duration", type=float, default=10, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=6,
                        help="rounds, each of every mode: alone, beside reports (and shared)")
    parser.add_argument("--shared", action="store_true",
                        help="each round also runs the control: debits and statements on one "
                             "gevent gunicorn serving both apps, as before the split")
    parser.add_argument("--report-clients", type=int, default=1,
                        help="operators asking for statements at once")
    parser.add_argument("--first-warmup", type=float, default=5,
                        help="seconds of debits before the first round")
    parser.add_argument("--wallets", type=int, default=64)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--max-rps", type=int, default=3000,
                        help="debits prepared per second of a round")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def main() -> None:
    """Run the benchmark and write reports.json and reports.txt."""
    found = run(arguments())
    paths.result("reports.json").write_text(json.dumps(found, indent=2) + "\n")
    text = [line(r) for r in found["rounds"]] + [json.dumps(found["summary"])]
    paths.result("reports.txt").write_text("\n".join(text) + "\n")
    print(json.dumps(found["summary"]))


if __name__ == "__main__":
    main()
