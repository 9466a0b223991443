"""Restore's speed: records per second before (the code of BASELINE) and now, in one run.

    .venv/bin/python -m bench.restore [--debits 40000] [--baseline c63464d]

Starts its own redis-server and PostgreSQL, puts ``--debits`` debits through the service and
the exporter into the ledger, then empties Redis and restores it twice from the same ledger:
with ``walletsvc/ledger/restore.py`` as it was at ``--baseline`` (read with ``git show``), and
with today's. Each restored Redis is checked against the other (the same records, streams,
counters and wallets), and the time of the README's sizing example (120 million records) is
given for each. Writes bench/results/restore.json and prints it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.ledger import debits
from tests.redis_server import RedisServer, free_port
from tests.support.settings import FakeClock, base_config
from walletsvc import create_app
from walletsvc.ledger.database import connect as connect_ledger
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.ledger.localdb import LocalPostgres
from walletsvc.ledger.restore import restore
from walletsvc.services import EXTENSION, Services
from walletsvc.store import RedisClient, connect, keys
from walletsvc.store.fence import READY

RESULTS = Path(__file__).parent / "results" / "restore.json"
ROOT = Path(__file__).resolve().parent.parent
SIZING_RECORDS = 120_000_000  # README, Sizing maxmemory: 1,000,000 movements a day, 120 days
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
    readers = {"hash": redis.hgetall, "string": redis.get, "stream": redis.xrange}
    found = {}
    for key in redis.scan_iter(count=5000):
        kind = str(redis.type(key))
        if kind in readers and not key.startswith(("st:", "ob:")):
            found[key] = readers[kind](key)
    return found


def timed(label: str, run: Any, records: int) -> dict[str, Any]:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    rate = records / seconds
    return {"label": label, "records": records, "seconds": round(seconds, 2),
            "records_per_second": round(rate), "sizing_example_hours":
            round(SIZING_RECORDS / rate / 3600, 2)}


def main() -> None:
    """Fill a ledger, restore it with the baseline and with today's code, compare."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=40_000)
    parser.add_argument("--baseline", default="c63464d")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="walletsvc-bench-restore-"))
    folder.chmod(0o755)
    baseline = baseline_module(args.baseline, folder)
    server = RedisServer(folder / "redis").start()
    postgres = LocalPostgres(folder / "pg", free_port(), "bench").start()
    redis = connect(server.url, 30.0)
    try:
        redis.flushall()
        app = create_app(base_config(ledger_url=postgres.url()), redis=redis, clock=FakeClock())
        services: Services = app.extensions[EXTENSION]
        services.store.mark_shards(keys.SHARDS, READY, "bench", 0)
        debits(redis, args.debits)
        exporter = Exporter(redis, postgres.url(), ExportSettings(per_shard=500))
        exporter.export_pending()
        exporter.close()
        now = services.clock()
        with connect_ledger(postgres.url()) as conn:
            records = conn.execute("SELECT count(*) FROM ledger_entries WHERE event IN"
                                   " ('debit','credit','rollback','tombstone','deposit',"
                                   "'withdrawal')").fetchone()[0]  # type: ignore[index]
            redis.flushall()
            before = timed(f"baseline {args.baseline}",
                           lambda: baseline.restore(redis, conn, RETENTION_MS, now), records)
            expected = stored(redis)
            redis.flushall()
            after = timed("now", lambda: restore(services.store, conn, RETENTION_MS, now),
                          records)
            same = stored(redis) == expected
    finally:
        postgres.stop()
        server.stop()
    results = {"baseline": before, "now": after, "speedup": round(
        after["records_per_second"] / before["records_per_second"], 2),
        "same_keys_and_values": same}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
