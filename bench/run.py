"""One command for the whole benchmark: ``python -m bench.run --duration 10 --concurrency 1,8,32``.

Starts redis-server, walletsvc, the floor app and the ceiling app (each under gunicorn with
config/gunicorn.conf.py), then for each concurrency level runs the floor, the ceiling (debits
with only Flask around the domain call), a debit-only load and the GPAS mix, each from a
separate load-generator process; then a profile of the debit load
(py-spy), Redis memory per session and per movement, and the mix with 1,000 against 100,000
wallets. Writes bench/results/latest.json and latency.png and prints the table.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

from bench import data, memory, report
from bench.profile import profile_debits
from bench.stack import ROOT, Stack
from walletsvc.store import RedisClient, WalletStore, connect

RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "var" / "bench"
MAX_RPS = 3000  # enough launch tokens for a mix at this rate (more is reported, not fatal)
REQUESTS_PER_SESSION = 40  # the mix's average, a little low so tokens last
QUIET_CORES = 0.3  # the machine counts as quiet when other work uses less than this


class Bench:
    """The running stack, its store, and the load-generator runs against it."""

    def __init__(self, args: argparse.Namespace, stack: Stack) -> None:
        self.args, self.stack = args, stack
        self.redis: RedisClient = connect(stack.redis.url, socket_timeout=30.0)
        self.store = WalletStore(self.redis, data.RETENTION_MS)
        self.rng = random.Random(args.seed)

    def tokens(self, wallets: list[str], scenario: str, concurrency: int) -> list[Any]:
        """Launch tokens for each player: one session for debits, enough for the mix."""
        if scenario == "floor":
            return []
        seconds = self.args.warmup + self.args.duration
        per_player = 1 if scenario in ("ceiling", "debit") else math.ceil(
            seconds * MAX_RPS / REQUESTS_PER_SESSION / concurrency) + 2
        return data.launch_tokens(self.store, wallets, concurrency, per_player, self.rng)

    def plan(self, scenario: str, concurrency: int, wallets: list[str]) -> dict[str, Any]:
        """Return a load-generator plan (sessions are always opened on the service)."""
        server = self.stack.apps[report.app_of(scenario)]
        return {"port": server.port, "service_port": self.stack.service.port,
                "scenario": scenario, "concurrency": concurrency,
                "warmup": self.args.warmup, "duration": self.args.duration,
                "tokens": self.tokens(wallets, scenario, concurrency),
                "nonce": uuid.uuid4().hex[:8], "seed": self.rng.randrange(1 << 30),
                "pids": {"redis": self.stack.redis_pids,
                         **{name: [app.pid] for name, app in self.stack.apps.items()}}}

    def start_loadgen(self, plan: dict[str, Any]) -> tuple[subprocess.Popen[bytes], Path]:
        """Start the load generator on ``plan``; return the process and its result file."""
        name = f"{plan['scenario']}-{plan['concurrency']}"
        plan_file, out = WORKDIR / f"plan-{name}.json", WORKDIR / f"result-{name}.json"
        plan_file.write_text(json.dumps(plan))
        out.unlink(missing_ok=True)
        process = subprocess.Popen([sys.executable, "-m", "bench.loadgen", str(plan_file),
                                    str(out)], cwd=ROOT)
        return process, out

    def wait_for_quiet(self) -> float:
        """Wait up to ``--quiet-wait`` seconds for other work to leave the CPUs; return the wait.

        Between runs the stack is idle, so what keeps the machine busy then is other work.
        """
        started = time.monotonic()
        while time.monotonic() - started < self.args.quiet_wait:
            idle = psutil.cpu_times_percent(interval=1.0).idle
            if (100 - idle) / 100 * self.stack.cores < QUIET_CORES:
                break
        return round(time.monotonic() - started, 1)

    def settle(self) -> None:
        """Wait for an AOF rewrite that setup writes set off (100,000 wallets do) to finish."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            persistence = self.redis.info("persistence")
            if not (persistence.get("aof_rewrite_in_progress")
                    or persistence.get("aof_rewrite_scheduled")):
                return
            time.sleep(0.5)

    def fresh_aof(self) -> None:
        """Rewrite the append-only file now, and wait for it.

        Creating 100,000 wallets more than doubles the file, so Redis would otherwise start an
        automatic rewrite (a fork copying the whole dataset) during the measured run, whose
        CPU would be charged to the wallet count. Both counts start from a fresh file.
        """
        if self.args.appendfsync != "off":
            self.redis.bgrewriteaof()  # answers once started (or scheduled behind a running one)
            self.settle()

    def load(self, scenario: str, concurrency: int, wallets: list[str]) -> dict[str, Any]:
        """Run one scenario at one concurrency level; return its measurements."""
        plan = self.plan(scenario, concurrency, wallets)
        self.settle()
        waited = self.wait_for_quiet()
        before = self.redis_stats()
        process, out = self.start_loadgen(plan)
        if process.wait(timeout=plan["warmup"] + plan["duration"] + 300) != 0:
            raise RuntimeError(f"the load generator failed on {scenario} x{concurrency}")
        result: dict[str, Any] = json.loads(out.read_text())
        after = self.redis_stats()
        calls = after["evalsha_calls"] - before["evalsha_calls"]
        result["redis"] = {
            "evalsha_calls": calls,
            "evalsha_usec_per_call": round(
                (after["evalsha_usec"] - before["evalsha_usec"]) / calls, 1) if calls else None,
            "forks": after["forks"] - before["forks"]}
        result["waited_for_quiet_s"] = waited
        print(report.run_line(result), flush=True)
        return result

    def redis_stats(self) -> dict[str, int]:
        """Return the script counters and the fork count (AOF rewrites) of Redis."""
        evalsha = self.redis.info("commandstats").get("cmdstat_evalsha", {})
        return {"evalsha_calls": int(evalsha.get("calls", 0)),
                "evalsha_usec": int(evalsha.get("usec", 0)),
                "forks": int(self.redis.info("stats")["total_forks"])}

    def replica_levels(self, wallets: list[str]) -> list[dict[str, Any]]:
        """Debits without and with WAIT for the replica, side by side at every level."""
        return [self.load(scenario, concurrency, wallets)
                for _ in range(self.args.repeat)
                for concurrency in self.args.concurrency
                for scenario in report.REPLICA_SCENARIOS]

    def levels(self, wallets: list[str]) -> list[dict[str, Any]]:
        """The floor, the ceiling, the debit-only load and the mix at every level, ``--repeat``
        times."""
        return [self.load(scenario, concurrency, wallets)
                for _ in range(self.args.repeat)
                for concurrency in self.args.concurrency
                for scenario in report.SCENARIOS]

    def memory(self) -> dict[str, Any]:
        """Redis memory per wallet, per open session and per stored movement (INFO deltas)."""
        return memory.measure(self.redis, self.args.memory_sessions,
                              self.args.memory_movements_per_session)

    def scale(self) -> list[dict[str, Any]]:
        """The mix at one concurrency level on an empty Redis with N wallets, for each N."""
        runs = []
        for count in [n for _ in range(self.args.repeat) for n in self.args.scale_wallets]:
            self.redis.flushall()
            started = time.monotonic()
            wallets = data.wallets_via_store(self.store, count, f"s{count}", _now_ms())
            created = time.monotonic() - started
            used = data.used_memory(self.redis)
            self.fresh_aof()
            run = self.load("mix", self.args.scale_concurrency, wallets)
            runs.append({"wallets": count, "create_seconds": round(created, 1),
                         "used_memory": used, "run": run})
        return runs


def _write_replica(results: dict[str, Any], out: Path) -> None:
    """Write and print the --replica comparison."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    table = report.replica_table(results["replica"])
    out.with_suffix(".txt").write_text(table + "\n")
    print(table, f"\nresults: {out}", sep="\n")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _meta(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    def git(*command: str) -> str:
        return subprocess.run(["git", *command], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()

    redis = connect(stack.redis.url, socket_timeout=5.0)
    server = redis.info("server")
    return {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
            "git_head": git("rev-parse", "--short", "HEAD"),
            "uncommitted_in_service": git("status", "--porcelain", "--", "walletsvc", "config",
                                          "wsgi.py").splitlines(),
            "cores": stack.cores, "python": platform.python_version(),
            "redis_version": server["redis_version"], "appendfsync": args.appendfsync,
            "gunicorn_workers": len(stack.service.workers()),
            "duration_s": args.duration, "warmup_s": args.warmup, "repeat": args.repeat,
            "quiet_wait_s": args.quiet_wait}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    def numbers(text: str) -> list[int]:
        return [int(part) for part in text.split(",")]

    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=numbers, default=[1, 8, 32])
    parser.add_argument("--wallets", type=int, default=1000, help="wallets the players use")
    parser.add_argument("--appendfsync", default="always",
                        choices=["always", "everysec", "no", "off"],
                        help="Redis AOF policy (make run ships 'always'; 'off': no AOF)")
    parser.add_argument("--workers", type=int, help="WALLETSVC_WORKERS (default: the config's)")
    parser.add_argument("--scale-wallets", type=numbers, default=[1000, 100_000])
    parser.add_argument("--scale-concurrency", type=int, default=8)
    parser.add_argument("--memory-sessions", type=int, default=1000)
    parser.add_argument("--memory-movements-per-session", type=int, default=10)
    parser.add_argument("--profile-seconds", type=float, default=10,
                        help="py-spy on the debit load at 8 connections; 0 to skip")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run every load this many times; the table shows, of each, the "
                             "run least disturbed by other work on the machine")
    parser.add_argument("--quiet-wait", type=float, default=0,
                        help="before each load, wait up to this many seconds for other work "
                             f"on the machine to drop under {QUIET_CORES} cores")
    parser.add_argument("--replica", action="store_true",
                        help="only debits, with a replica attached: walletsvc as shipped and "
                             "with WALLETSVC_REDIS_MIN_REPLICAS=1, side by side (replica.json)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run everything and write the results."""
    args = parse_args(argv)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    stack = Stack(WORKDIR / time.strftime("%Y%m%d-%H%M%S"), args.appendfsync, args.workers,
                  replica=args.replica)
    try:
        stack.start()
        bench = Bench(args, stack)
        results: dict[str, Any] = {"meta": _meta(args, stack)}
        started = time.monotonic()
        wallets = data.wallets_via_admin_api(stack.service.port, args.wallets, "w")
        results["setup"] = {"wallets_via_admin_api": len(wallets),
                            "seconds": round(time.monotonic() - started, 1)}
        if args.replica:
            results["replica"] = bench.replica_levels(wallets)
        else:
            results["runs"] = bench.levels(wallets)
            if args.profile_seconds:
                results["profile"] = profile_debits(bench, wallets, RESULTS)
            results["memory"] = bench.memory()
            results["scale"] = bench.scale()
    finally:
        stack.stop()
    if args.replica:
        _write_replica(results, args.out.with_name("replica.json"))
        return
    results = {"summary": report.summary(results), **results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    args.out.with_suffix(".txt").write_text(report.table(results) + "\n")
    print(report.table(results))
    report.plot(results, args.out.with_name("latency.png"))
    print(f"\nresults: {args.out}, plot: {args.out.with_name('latency.png')}")


if __name__ == "__main__":
    main()
