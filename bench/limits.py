"""What player protection costs a debit: wallets with every limit against wallets with none.

    .venv/bin/python -m bench.limits [--debits 10000] [--repeat 3]

Starts its own redis-server (append-only file off, so script time is Redis CPU alone) and sends
signed debits through the service (in-process WSGI, as GPAS signs them) over 50 sessions each
of wallets without limits and of wallets with a limit of every kind (deposit, wager, loss and
play time per day, week and month, single bet, session time; all generous, so every bet is
judged against all of them and passes), in batches taking turns so that both meet the same load
of a shared machine, ``--repeat`` runs: debits per second and Redis microseconds per EVALSHA
(INFO commandstats). Also the Redis bytes a wallet's
protection takes (MEMORY USAGE of its settings and its period counters). Writes
limits.json (bench/paths.py) and prints it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import paths
from bench.ledger import evalsha_usec
from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisServer
from devkit.settings import FakeClock, base_config
from devkit.store import initialise
from walletsvc import create_app
from walletsvc.store import RedisClient, connect, keys

PLAYERS = 50
_EVERY_LIMIT = [(kind, period, value) for kind, value in
                (("DEPOSIT", "10000000"), ("WAGER", "10000000"), ("LOSS", "10000000"),
                 ("PLAY_TIME", 10_000_000)) for period in ("DAY", "WEEK", "MONTH")] + [
    ("BET", None, "1000"), ("SESSION_TIME", None, 10_000_000)]


def _wallets(gpas: GpasClient, admin: AdminClient, limited: bool) -> list[tuple[str, str]]:
    """Open PLAYERS funded sessions, on wallets with every limit or with none."""
    opened = [open_session(gpas, admin, real="1000000") for _ in range(PLAYERS)]
    for wallet_id, _ in opened if limited else []:
        for kind, period, value in _EVERY_LIMIT:
            answer = admin.post(f"/wallets/{wallet_id}/limits", {
                "limit": kind, "period": period, "value": value, "by": "bench"})
            assert answer.status_code == 200, answer.get_data(as_text=True)
    return opened


def _batch(redis: RedisClient, gpas: GpasClient, sessions: list[tuple[str, str]],
           count: int) -> tuple[float, float]:
    """Send ``count`` debits; return the seconds taken and Redis's total EVALSHA microseconds."""
    redis.config_resetstat()
    started = time.perf_counter()
    for n in range(count):
        assert gpas.debit(sessions[n % PLAYERS][1], "0.10").status_code == 200
    seconds = time.perf_counter() - started
    return seconds, evalsha_usec(redis) * count


def one_run(redis: RedisClient, count: int, batch: int = 250) -> dict[str, dict[str, Any]]:
    """Debits on an emptied Redis: batches on wallets without limits and on wallets with
    every limit, taking turns, so that both meet the same load of a shared machine."""
    redis.flushall()
    initialise(redis)
    app = create_app(base_config(session_idle_seconds=86_400), redis=redis, clock=FakeClock())
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    groups = {"without_limits": _wallets(gpas, admin, False),
              "with_every_limit": _wallets(gpas, admin, True)}
    totals = {name: [0.0, 0.0] for name in groups}
    for _ in range(count // batch):
        for name, sessions in groups.items():
            seconds, usec = _batch(redis, gpas, sessions, batch)
            totals[name][0] += seconds
            totals[name][1] += usec
    debits = count // batch * batch
    found = {}
    for name, sessions in groups.items():
        wallet_id = sessions[0][0]
        found[name] = {
            "debits_per_second": debits / totals[name][0],
            "evalsha_usec": totals[name][1] / debits,
            "settings_bytes": int(redis.memory_usage(keys.protection(wallet_id)) or 0),
            "counters_bytes": int(redis.memory_usage(keys.usage(wallet_id)) or 0),
            "wallet_bytes": int(redis.memory_usage(keys.wallet(wallet_id)) or 0)}
    return found


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Each measure's runs and median."""
    return {name: {"runs": [round(run[name], 1) for run in runs],
                   "median": round(statistics.median(run[name] for run in runs), 1)}
            for name in runs[0]}


def main() -> None:
    """Measure debits on wallets without and with limits, alternately; write the results."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--debits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="walletsvc-bench-limits-"))
    server = RedisServer(folder / "redis").start()
    redis = connect(server.url, 10.0)
    runs: dict[str, list[dict[str, Any]]] = {"without_limits": [], "with_every_limit": []}
    try:
        for _ in range(args.repeat):
            for name, found in one_run(redis, args.debits).items():
                runs[name].append(found)
    finally:
        server.stop()
    results: dict[str, Any] = {name: summary(found) for name, found in runs.items()}
    results["throughput_ratio"] = round(
        results["with_every_limit"]["debits_per_second"]["median"]
        / results["without_limits"]["debits_per_second"]["median"], 3)
    paths.result("limits.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
