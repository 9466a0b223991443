"""One command for the whole benchmark: ``python -m bench.run --duration 10 --concurrency 1,8,32``.

Starts redis-server (or a 3-master cluster), walletsvc, the floor app and the ceiling app (each
under gunicorn with config/gunicorn.conf.py, the worker class and count as told, optionally
behind the reference nginx), then for each concurrency level runs the floor, the ceiling
(debits with only Flask around the domain call) and debits from wrk, and the GPAS mix from the
Python generator; then debits with 1, 2 and 4 workers, a profile of the debit load (py-spy),
Redis memory per session and per movement, and the mix with 1,000 against 100,000 wallets.
Writes latest.json, latest.txt and latency.png (bench/paths.py says where) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import data, fsync, memory, paths, report, usage
from bench.loads import QUIET_CORES, Bench
from bench.profile import profile_debits
from bench.stack import ROOT, Serving, Stack

WORKDIR = ROOT / "var" / "bench"


def levels(bench: Bench, scenarios: list[str]) -> list[dict[str, Any]]:
    """Every scenario at every level, side by side, ``--repeat`` times."""
    return [bench.load(scenario, concurrency)
            for _ in range(bench.args.repeat)
            for concurrency in bench.args.concurrency
            for scenario in scenarios]


def worker_counts(bench: Bench) -> list[dict[str, Any]]:
    """Debits at ``--scale-concurrency`` with each of ``--scale-workers`` walletsvc workers."""
    runs = []
    for _ in range(bench.args.repeat):
        for workers in bench.args.scale_workers:
            service = bench.stack.restart_service(workers)
            runs.append({"workers": workers,
                         "run": bench.load("debit", bench.args.scale_concurrency, service)})
    return runs


def wallet_counts(bench: Bench) -> list[dict[str, Any]]:
    """The mix at one concurrency level on an empty Redis with N wallets, for each N."""
    runs = []
    for count in [n for _ in range(bench.args.repeat) for n in bench.args.scale_wallets]:
        bench.redis.flushall()
        started = time.monotonic()
        bench.wallets = data.wallets_via_store(bench.store, count, f"s{count}", _now_ms())
        created = time.monotonic() - started
        used = data.used_memory(bench.redis)
        _fresh_aof(bench)
        run = bench.load("mix", bench.args.scale_concurrency)
        runs.append({"wallets": count, "create_seconds": round(created, 1),
                     "used_memory": used, "run": run})
    return runs


def _fresh_aof(bench: Bench) -> None:
    """Rewrite the append-only file now, and wait for it.

    Creating 100,000 wallets more than doubles the file, so Redis would otherwise start an
    automatic rewrite (a fork copying the whole dataset) during the measured run, whose CPU
    would be charged to the wallet count. Both counts start from a fresh file.
    """
    if bench.args.appendfsync != "off":
        bench.redis.bgrewriteaof()  # answers once started (or scheduled behind a running one)
        bench.settle()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _meta(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    server = Bench(args, stack).redis_info("server")
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
            "git_head": git("rev-parse", "--short", "HEAD"),
            "uncommitted_in_service": git("status", "--porcelain", "--", "walletsvc", "config",
                                          "wsgi.py").splitlines(),
            "cores": usage.machine_cores(), "python": platform.python_version(),
            "redis_version": server["redis_version"], "appendfsync": args.appendfsync,
            "redis": "3-master cluster" if args.cluster else "single redis-server",
            "serving": stack.service.label, "proxy": args.proxy,
            "fsync": fsync.probe(stack.redis_servers[0].directory),
            "duration_s": args.duration, "warmup_s": args.warmup, "repeat": args.repeat,
            "quiet_wait_s": args.quiet_wait, "wrk_threads": args.wrk_threads}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",") if part]

    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    add = parser.add_argument
    add("--duration", type=float, default=10, help="measured seconds per run")
    add("--warmup", type=float, default=2, help="unmeasured seconds before each run")
    add("--concurrency", type=numbers, default=[1, 8, 32], help="connections, e.g. 1,8,32")
    add("--scenarios", type=lambda text: text.split(","), default=list(report.SCENARIOS),
        help="the loads at each level (floor,ceiling,debit,mix)")
    add("--wallets", type=int, default=1000, help="wallets the players use")
    add("--appendfsync", default="always", choices=["always", "everysec", "no", "off"],
        help="Redis AOF policy (make run ships 'always'; 'off': no AOF)")
    add("--cluster", action="store_true", help="a 3-master Redis Cluster instead of one server")
    add("--worker-class", help="gunicorn worker class (default: the config's)")
    add("--workers", type=int, help="gunicorn workers (default: the config's)")
    add("--threads", type=int, help="threads per gthread worker")
    add("--proxy", choices=["none", "nginx"], default="none",
        help="nginx: each app behind the reference nginx (bench/proxy.py)")
    add("--wrk-threads", type=int, default=2, help="wrk threads (never more than connections)")
    add("--max-rps", type=int, default=6000,
        help="debits prepared per second of a wrk run (each goes out once)")
    add("--scale-workers", type=numbers, default=[1, 2, 4],
        help="debits with each of these walletsvc worker counts ('' skips)")
    add("--scale-wallets", type=numbers, default=[1000, 100_000], help="'' skips")
    add("--scale-concurrency", type=int, default=8)
    add("--memory-sessions", type=int, default=1000, help="0 skips the memory figures")
    add("--memory-movements-per-session", type=int, default=10)
    add("--profile-seconds", type=float, default=10,
        help="py-spy on the debit load at 8 connections; 0 skips it")
    add("--loads-only", action="store_true",
        help="only the loads at each level (no scale-out, profile, memory or wallet counts)")
    add("--repeat", type=int, default=1,
        help="run every load this many times; the table shows, of each level, the "
             "repetition least disturbed by other work on the machine")
    add("--quiet-wait", type=float, default=0,
        help="before each load, wait up to this many seconds for other work on the machine "
             f"to drop under {QUIET_CORES} cores")
    add("--replica", action="store_true",
        help="only debits, with a replica attached: walletsvc as shipped and with "
             "WALLETSVC_REDIS_MIN_REPLICAS=1, side by side (replica.json)")
    add("--seed", type=int, default=1)
    add("--out", type=Path, default=paths.results_dir() / "latest.json")
    args = parser.parse_args(argv)
    if args.loads_only:
        args.scale_workers, args.scale_wallets, args.profile_seconds = [], [], 0
        args.memory_sessions = 0
    return args


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Start the stack, run everything asked for, stop the stack; return the results."""
    WORKDIR.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    serving = Serving(args.worker_class, args.workers, args.threads, args.proxy)
    stack = Stack(WORKDIR / time.strftime("%Y%m%d-%H%M%S"), args.appendfsync, serving,
                  replica=args.replica, cluster=args.cluster)
    try:
        stack.start()
        bench = Bench(args, stack)
        results: dict[str, Any] = {"meta": _meta(args, stack), "setup": bench.create_wallets()}
        if args.replica:
            results["replica"] = levels(bench, list(report.REPLICA_SCENARIOS))
            return results
        results["runs"] = levels(bench, args.scenarios)
        results["workers"] = worker_counts(bench) if args.scale_workers else []
        if args.profile_seconds:
            results["profile"] = profile_debits(bench, args.out.parent)
        if args.memory_sessions:  # on an emptied Redis
            results["memory"] = memory.measure(bench.redis, args.memory_sessions,
                                               args.memory_movements_per_session)
        results["scale"] = wallet_counts(bench) if args.scale_wallets else []
        return results
    finally:
        stack.stop()


def write(results: dict[str, Any], out: Path) -> None:
    """Write the results as JSON and as the table, print the table, draw the plot."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if "replica" in results:
        out = out.with_name("replica.json")
        text = report.replica_table(results["replica"])
    else:
        results = {"summary": report.summary(results), **results}
        text = report.table(results)
    out.write_text(json.dumps(results, indent=1) + "\n")
    out.with_suffix(".txt").write_text(text + "\n")
    print(text)
    if "runs" in results and len({run["concurrency"] for run in results["runs"]}) > 1:
        report.plot(results, out.with_name("latency.png"))
    print(f"\nresults: {out}")


def main(argv: list[str] | None = None) -> None:
    """Run everything and write the results."""
    args = parse_args(argv)
    write(measure(args), args.out)


if __name__ == "__main__":
    main()
