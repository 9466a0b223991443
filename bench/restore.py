"""Restore's speed: records per second before (the code of BASELINE) and now, in one run.

    .venv/bin/python -m bench.restore [--debits 20000] [--copies 9] [--players 500] [--repeat 3]

Starts its own PostgreSQL, then on one redis-server and on a cluster of three: puts
``--debits`` debits of ``--players`` players through the service and the exporter into the
ledger, adds ``--copies`` copies of each (``copy_movements``), then empties Redis and restores it
from the same ledger ``--repeat`` times each way, alternately: with
``walletsvc/ledger/restore.py`` as it was at ``--baseline`` (read with ``git show``), and with
today's. Each restored Redis is checked against the baseline's (the same records, streams,
counters and wallets); the time of the sizing example of bench/README.md ("Redis memory":
120 million records) is given from the best run of each. Writes restore.json (bench/paths.py
says where).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from redis.cluster import RedisCluster

from bench import paths
from bench.ledger import debits
from devkit.ledger import copy_movements
from devkit.postgres import fresh_database, start_with_template, stop_and_remove
from devkit.redis import RedisClusterServers, RedisServer
from devkit.settings import FakeClock, base_config
from walletsvc import create_app
from walletsvc.ledger.database import connect as connect_ledger
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.ledger.restore import restore
from walletsvc.services import EXTENSION, Services
from walletsvc.store import RedisClient, connect, keys
from walletsvc.store.fence import READY

ROOT = Path(__file__).resolve().parent.parent
SIZING_RECORDS = 120_000_000  # bench/README.md, "Redis memory": 1,000,000 a day, 120 days
RETENTION_MS = 120 * 86_400_000


def baseline_module(commit: str, folder: Path) -> ModuleType:
    """Load walletsvc/ledger/restore.py as it was at ``commit``."""
    source = subprocess.run(["git", "show", f"{commit}:walletsvc/ledger/restore.py"], cwd=ROOT,
                            check=True, capture_output=True, text=True).stdout
    path = folder / "baseline_restore.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_restore", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def stored(redis: RedisClient) -> dict[str, Any]:
    """Return every restored key (markers left out) with its value, to compare two restores."""
    readers: dict[str, Callable[[str], Any]] = {"hash": redis.hgetall, "string": redis.get,
                                                "stream": redis.xrange}
    found = {}
    for key in redis.scan_iter(count=5000):
        kind = str(redis.type(key))
        if kind in readers and not key.startswith(("st:", "ob:")):
            found[key] = readers[kind](key)
    return found


@dataclass
class Run:
    """One restore: records per second, and the CPU microseconds per record it cost the
    restoring process (every thread) and Redis (every node): figures the machine's other work
    moves far less than the wall clock."""

    rate: float
    client_us: float
    redis_us: float


def redis_cpu(redis: RedisClient) -> float:
    """Return the CPU seconds Redis has used, summed over every node."""
    if isinstance(redis, RedisCluster):
        nodes = list(redis.info("cpu", target_nodes=RedisCluster.PRIMARIES).values())
    else:
        nodes = [redis.info("cpu")]
    return sum(float(node["used_cpu_user"]) + float(node["used_cpu_sys"]) for node in nodes)


def timed(redis: RedisClient, run: Callable[[], Any], records: int) -> Run:
    """Run one restore and measure it."""
    wall, cpu, server = time.perf_counter(), time.process_time(), redis_cpu(redis)
    run()
    return Run(records / (time.perf_counter() - wall),
               (time.process_time() - cpu) / records * 1e6,
               (redis_cpu(redis) - server) / records * 1e6)


def figures(label: str, runs: list[Run]) -> dict[str, Any]:
    best = max(run.rate for run in runs)
    return {"label": label, "records_per_second_runs": [round(run.rate) for run in runs],
            "records_per_second_best": round(best), "records_per_second_median":
            round(statistics.median(run.rate for run in runs)), "sizing_example_hours":
            round(SIZING_RECORDS / best / 3600, 2),
            "restore_cpu_us_per_record": round(min(run.client_us for run in runs), 1),
            "redis_cpu_us_per_record": round(min(run.redis_us for run in runs), 1)}


def empty(redis: RedisClient) -> None:
    if isinstance(redis, RedisCluster):
        redis.flushall(target_nodes=RedisCluster.PRIMARIES)
    else:
        redis.flushall()


def compare(redis: RedisClient, ledger_url: str, baseline: ModuleType, label: str,
            args: argparse.Namespace) -> dict[str, Any]:
    """Fill the ledger through ``redis``, then restore it each way, alternately, and compare."""
    app = create_app(base_config(ledger_url=ledger_url), redis=redis, clock=FakeClock())
    services: Services = app.extensions[EXTENSION]
    services.store.mark_shards(keys.SHARDS, READY, "bench", 0)
    debits(redis, ledger_url, args.debits, players=args.players)
    exporter = Exporter(redis, ledger_url, ExportSettings(per_shard=500))
    exporter.export_pending()
    exporter.close()
    copy_movements(ledger_url, args.copies)
    now = services.clock()
    rates: dict[str, list[Run]] = {"baseline": [], "now": []}
    with connect_ledger(ledger_url) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_entries WHERE event IN"
                               " ('debit','credit','rollback','tombstone','deposit',"
                               "'withdrawal')").fetchone()
        records = int(str(row[0])) if row else 0
        same = True
        for _ in range(args.repeat):  # alternately, so that the machine's noise hits both
            empty(redis)
            rates["baseline"].append(timed(
                redis, lambda: baseline.restore(redis, conn, RETENTION_MS, now), records))
            expected = stored(redis)
            empty(redis)
            rates["now"].append(timed(
                redis, lambda: restore(services.store, conn, RETENTION_MS, now), records))
            same = same and stored(redis) == expected
    before = figures(f"baseline {args.baseline}", rates["baseline"])
    after = figures("now", rates["now"])
    return {"store": label, "records": records, "baseline": before, "now": after,
            "speedup_best": round(after["records_per_second_best"]
                                  / before["records_per_second_best"], 2),
            "speedup_median": round(after["records_per_second_median"]
                                    / before["records_per_second_median"], 2),
            "cpu_per_record_ratio": {
                name: round(before[name] / after[name], 2)
                for name in ("restore_cpu_us_per_record", "redis_cpu_us_per_record")},
            "same_keys_and_values": same}


STORES: dict[str, Callable[[Path], RedisServer | RedisClusterServers]] = {
    "one node": RedisServer, "cluster of 3": RedisClusterServers}


def started(make: Callable[[Path], RedisServer | RedisClusterServers], folder: Path,
            tries: int = 3) -> RedisServer | RedisClusterServers:
    """Start servers, again on new ports if another program took one meanwhile."""
    for attempt in range(tries):
        servers = make(folder / str(attempt))
        try:
            return servers.start()
        except RuntimeError:
            servers.stop()
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def main() -> None:
    """Fill a ledger, restore it with the baseline and with today's code, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=20_000)
    parser.add_argument("--players", type=int, default=500)
    parser.add_argument("--copies", type=int, default=9,
                        help="Copies of each movement added in the ledger (copy_movements).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default="c63464d")
    parser.add_argument("--stores", default="one node,cluster of 3",
                        help="Comma-separated, of: " + ", ".join(STORES))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="walletsvc-bench-restore-"))
    folder.chmod(0o755)
    baseline = baseline_module(args.baseline, folder)
    postgres = start_with_template()
    results = []
    try:
        for label in args.stores.split(","):
            servers = started(STORES[label], folder / label.replace(" ", "-"))
            database = fresh_database(postgres)
            try:
                results.append(compare(connect(servers.url, 30.0), database, baseline, label,
                                       args))
                print(json.dumps(results[-1], indent=2), flush=True)
            finally:
                servers.stop()
    finally:
        stop_and_remove(postgres)
    # Each store's latest results; a run of some stores (--stores) keeps the others'.
    out = paths.result("restore.json")
    kept = json.loads(out.read_text()) if out.exists() else []
    ran = {result["store"] for result in results}
    out.write_text(json.dumps([r for r in kept if r["store"] not in ran] + results,
                                  indent=2) + "\n")


if __name__ == "__main__":
    main()
