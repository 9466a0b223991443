"""What player protection costs a debit: the code before it, and today's without and with limits.

    .venv/bin/python -m bench.limits [--debits 10000] [--repeat 3] [--baseline COMMIT]

Three sides, measured side by side on one redis-server of its own (append-only file off, so
script time is Redis CPU alone):

- ``baseline``: the code as it was before player protection, the first parent of the merge
  commit "Merge branch 'limits'" (or ``--baseline``), on wallets without limits (it has none);
- ``without_limits``: today's code on wallets without limits;
- ``with_every_limit``: today's code on wallets with a limit of every kind (deposit, wager, loss
  and play time per day, week and month, single bet, session time; all generous, so every bet
  is judged against all of them and passes).

How the baseline runs beside today's code: the two cannot share one Python process (both are
the package ``walletsvc``), and loading only the baseline's Lua scripts and store module into
today's process would leave out the Python that protection added to every debit (the running
periods computed for each, the domain's refusals), while it would still run today's domain on a
store whose scripts it no longer matches. So each side is a process of its own
(bench/limits_worker.py) with an app of its own: the baseline's imports ``walletsvc/`` as
``git archive`` unpacks it from the baseline commit into a temporary folder (first on its
PYTHONPATH, checked: not one of its ``walletsvc`` modules comes from elsewhere); today's imports
this tree's. All three run the same worker, the same ``devkit`` clients (today's) and settings,
signing the same debits in-process as GPAS signs them (WSGI, no HTTP), 50 sessions each. This
process only conducts: each run it empties Redis, starts the three, then sends ``--debits`` per
side in batches of 250, one side at a time, the order turning each round, so that all three
meet the same load of a shared machine; ``--repeat`` runs.

For each side: debits per second (wall clock), the worker's CPU microseconds per debit (much
less moved by other work than the wall clock), Redis microseconds per EVALSHA and EVALSHAs per
debit, and Redis microseconds per debit over every command (INFO commandstats, reset before each
batch); the ratios every-limit / baseline, no-limit / baseline and every-limit / no-limit, of
the medians and run by run; the load average seen (1 minute, sampled each round). Also the
Redis bytes of one wallet's hash, protection settings and period counters (MEMORY USAGE).
Writes limits.json (bench/paths.py) and prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from bench import paths
from bench.limits_worker import PLAYERS
from devkit.postgres import demo_database
from devkit.redis import RedisServer
from devkit.store import initialise
from walletsvc.store import RedisClient, connect, keys

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).resolve().parent / "limits_worker.py"
SIDES = ("baseline", "without_limits", "with_every_limit")
RATIOS = {"every_limit_to_baseline": ("with_every_limit", "baseline"),
          "no_limit_to_baseline": ("without_limits", "baseline"),
          "every_limit_to_no_limit": ("with_every_limit", "without_limits")}
BATCH = 250
MERGE = "Merge branch 'limits'"


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def before_protection() -> str:
    """Return the last commit before player protection: the merge's first parent."""
    for line in git("log", "--merges", "--format=%P%x09%s", "HEAD").splitlines():
        parents, _, subject = line.partition("\t")
        if subject == MERGE:
            return git("rev-parse", "--short", parents.split()[0])
    raise SystemExit(f"no merge commit {MERGE!r} in this history: give --baseline")


def unpack_baseline(commit: str, folder: Path) -> Path:
    """Unpack ``walletsvc/`` as it was at ``commit`` into ``folder``; return ``folder``."""
    archive = subprocess.run(["git", "archive", commit, "walletsvc"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


class Worker:
    """One side's process (bench/limits_worker.py): its wallets, and batches sent on request."""

    def __init__(self, redis_url: str, ledger_url: str, code: Path, limits: bool, log: Path
                 ) -> None:
        pythonpath = os.pathsep.join(dict.fromkeys([str(code), str(ROOT)]))
        self.log = log
        with log.open("a") as stderr:  # the app's request log, one line a call
            self._process = subprocess.Popen(
                [sys.executable, "-P", str(WORKER), redis_url, ledger_url, str(code),
                 *(["--limits"] if limits else [])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True,
                bufsize=1, env={**os.environ, "PYTHONPATH": pythonpath})
        ready = self._answer()
        self.wallets: list[str] = ready["wallets"]
        self.walletsvc: str = ready["walletsvc"]

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._process.stdin and self._process.stdout
        return self._process.stdin, self._process.stdout

    def _answer(self) -> dict[str, Any]:
        line = self._pipes()[1].readline()
        if not line:
            tail = self.log.read_text().splitlines()[-20:]
            raise RuntimeError(f"the worker ended (exit {self._process.wait()}), its log "
                               f"{self.log} ends:\n" + "\n".join(tail))
        answer: dict[str, Any] = json.loads(line)
        return answer

    def batch(self, count: int) -> dict[str, float]:
        """Send ``count`` debits; return the seconds and the worker's CPU seconds taken."""
        stdin = self._pipes()[0]
        stdin.write(f"{count}\n")
        stdin.flush()
        return self._answer()

    def stop(self) -> None:
        self._pipes()[0].close()
        self._process.wait(30)


def redis_usec(redis: RedisClient) -> tuple[float, float, float]:
    """Return EVALSHA calls and microseconds, and every command's microseconds but those of
    the measuring itself, since the last CONFIG RESETSTAT."""
    stats: dict[str, Any] = redis.info("commandstats")
    evalsha = stats.get("cmdstat_evalsha", {"calls": 0, "usec": 0})
    every = sum(float(stat["usec"]) for name, stat in stats.items()
                if name not in ("cmdstat_config", "cmdstat_info"))
    return float(evalsha["calls"]), float(evalsha["usec"]), every


def memory(redis: RedisClient, wallet_id: str) -> dict[str, int]:
    return {"wallet_bytes": int(redis.memory_usage(keys.wallet(wallet_id)) or 0),
            "settings_bytes": int(redis.memory_usage(keys.protection(wallet_id)) or 0),
            "counters_bytes": int(redis.memory_usage(keys.usage(wallet_id)) or 0)}


def one_run(redis: RedisClient, url: str, ledger_url: str, baseline: Path, folder: Path,
            count: int, loads: list[float]) -> dict[str, dict[str, Any]]:
    """Debits on an emptied Redis from the three sides, a batch at a time, taking turns."""
    redis.flushall()
    initialise(redis)
    workers: dict[str, Worker] = {}
    try:
        for side, code in zip(SIDES, (baseline, ROOT, ROOT), strict=True):
            workers[side] = Worker(url, ledger_url, code, limits=side == "with_every_limit",
                                   log=folder / f"{side}.log")
        totals = {side: dict.fromkeys(("seconds", "cpu_seconds", "calls", "evalsha_usec",
                                       "redis_usec"), 0.0) for side in SIDES}
        rounds = count // BATCH
        for turn in range(rounds):
            loads.append(os.getloadavg()[0])
            for side in SIDES[turn % 3:] + SIDES[:turn % 3]:
                redis.config_resetstat()
                timed = workers[side].batch(BATCH)
                calls, evalsha, every = redis_usec(redis)
                for name, value in (*timed.items(), ("calls", calls),
                                    ("evalsha_usec", evalsha), ("redis_usec", every)):
                    totals[side][name] += value
        debits = rounds * BATCH
        found = {}
        for side, worker in workers.items():
            total = totals[side]
            found[side] = {
                "debits_per_second": debits / total["seconds"],
                "cpu_usec_per_debit": total["cpu_seconds"] / debits * 1e6,
                "evalsha_usec": total["evalsha_usec"] / total["calls"],
                "evalsha_per_debit": total["calls"] / debits,
                "redis_usec_per_debit": total["redis_usec"] / debits,
                **memory(redis, worker.wallets[0])}
        return found
    finally:
        for worker in workers.values():
            worker.stop()


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each measure's runs and median."""
    return {name: {"runs": [round(run[name], 2) for run in runs],
                   "median": round(statistics.median(run[name] for run in runs), 2)}
            for name in runs[0]}


def ratios(runs: dict[str, list[dict[str, Any]]], sides: dict[str, Any]) -> dict[str, Any]:
    """Each pair's ratios: of the medians, and run by run for throughput (a run's three sides
    met the same load)."""
    found = {}
    for name, (top, bottom) in RATIOS.items():
        found[name] = {
            measure: round(sides[top][measure]["median"] / sides[bottom][measure]["median"], 3)
            for measure in ("debits_per_second", "cpu_usec_per_debit", "evalsha_usec",
                            "redis_usec_per_debit")}
        found[name]["debits_per_second_by_run"] = [
            round(a["debits_per_second"] / b["debits_per_second"], 3)
            for a, b in zip(runs[top], runs[bottom], strict=True)]
    return found


def main() -> None:
    """Measure debits of the baseline and of today's code without and with limits."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--debits", type=int, default=10_000, help="Per side and run.")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", help="The code before player protection (default: the "
                        f"first parent of {MERGE!r}).")
    args = parser.parse_args()
    commit = git("rev-parse", "--short", args.baseline) if args.baseline else before_protection()
    folder = Path(tempfile.mkdtemp(prefix="walletsvc-bench-limits-"))
    baseline = unpack_baseline(commit, folder / "baseline")
    server = RedisServer(folder / "redis").start()
    redis = connect(server.url, 10.0)
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    loads: list[float] = []
    try:
        with demo_database() as ledger_url:  # today's operators, who set the wallets up
            for _ in range(args.repeat):
                for side, found in one_run(redis, server.url, ledger_url, baseline, folder,
                                           args.debits, loads).items():
                    runs[side].append(found)
                    print(side, json.dumps({k: round(v, 1) for k, v in found.items()}),
                          flush=True)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    sides = {side: summary(found) for side, found in runs.items()}
    results: dict[str, Any] = {
        "baseline_commit": commit, "now_commit": git("rev-parse", "--short", "HEAD"),
        "debits_per_side_and_run": args.debits // BATCH * BATCH, "batch": BATCH,
        "players_per_side": PLAYERS, "cores": os.cpu_count(),
        "load_average_1m": {"min": round(min(loads), 2), "median":
                            round(statistics.median(loads), 2), "max": round(max(loads), 2)},
        **sides, "ratios": ratios(runs, sides)}
    paths.result("limits.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
