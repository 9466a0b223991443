"""ledger verify on a large ledger: how long its reference checks take.

    .venv/bin/python -m bench.verify [--movements 1000000] [--doubled 100]

Starts its own redis-server and PostgreSQL (fsync on, as in production), writes ``movements``
GPAS debits over 100 days straight into the ledger (SQL, not through the service: the subject
is verify, not the exporter), applies ``doubled`` of their references a second time, and gives
Redis each movement's record, as the scripts leave it. Then times:

1. finding the doubled references in the ledger alone (``GROUP BY ... HAVING count(*) > 1``
   over the partial index), with the plan PostgreSQL chose;
2. looking every reference of the retention period up in Redis: entries per second.

Writes verify.json (bench/paths.py says where) and prints it.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench import paths
from devkit.postgres import LocalPostgres
from devkit.redis import RedisServer, free_port
from devkit.settings import PARENT_ID
from walletsvc.ledger import doubled as doubled_module
from walletsvc.ledger.database import Partitions, connect, migrate
from walletsvc.ledger.recorded import recall
from walletsvc.store import AuditTrail, RedisClient, keys
from walletsvc.store import connect as redis_connect

START_MS = 1_790_000_000_000  # 2026-09-21
SPAN_MS = 100 * 86_400_000  # inside the retention: every entry is looked up in Redis
RETENTION_MS = 120 * 86_400_000
WALLETS = 10_000
_FILL = """
INSERT INTO ledger_entries (at, shard, entry_ms, entry_seq, event, wallet_id, parent_system,
    movement_id, reference, amount, real_delta, bonus_delta, currency, fields)
SELECT to_timestamp((%(start)s + n * %(step)s) / 1000.0), '00', %(start)s + n * %(step)s, n,
       'debit', 'w-' || (n %% %(distinct)s %% %(wallets)s), %(ps)s, 'm-' || n,
       'ref-' || (n %% %(distinct)s),
       100, -100, 0, 'BRL', '{}'
FROM generate_series(0::bigint, %(count)s - 1) AS n
"""


def fill_ledger(url: str, movements: int, doubled: int) -> None:
    """Write the debits, the last ``doubled`` of them under a reference already used."""
    with connect(url) as conn:
        migrate(conn)
        Partitions(conn).ensure({date(2026, m, 1) for m in (9, 10, 11, 12)} | {date(2027, 1, 1)})
        conn.execute(_FILL, {"start": START_MS, "step": SPAN_MS // movements,
                             "wallets": WALLETS, "ps": PARENT_ID, "count": movements,
                             "distinct": movements - doubled})
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE ledger_entries")  # what autovacuum does to a settled table


def fill_redis(redis: RedisClient, url: str) -> None:
    """Give Redis each reference's record, under the movement id of its last application."""
    with connect(url) as conn, conn.cursor(name="fill") as cur:
        cur.itersize = 10_000
        cur.execute("SELECT wallet_id, reference, movement_id FROM ledger_entries ORDER BY at")
        pipe = redis.pipeline(transaction=False)
        for wallet_id, reference, movement_id in cur:
            pipe.hset(keys.movement(str(wallet_id), PARENT_ID, str(reference)),
                      mapping={"kind": "debit", "mid": str(movement_id)})
            if len(pipe) >= 10_000:
                pipe.execute()
        pipe.execute()


def time_doubled(url: str) -> dict[str, Any]:
    """Time the ledger-alone check; return its time, what it found and the plan's scan nodes."""
    with connect(url) as conn:
        plan = [str(row[0]) for row in conn.execute(f"EXPLAIN {doubled_module._GPAS}")]
        started = time.perf_counter()
        found = doubled_module.doubled_references(conn, RETENTION_MS)
        seconds = time.perf_counter() - started
    scans = sorted({line.strip().split(" on ")[0].lstrip("-> ").split("  ")[0]
                    for line in plan if "Scan" in line})
    return {"seconds": round(seconds, 2), "doubled_found": len(found), "scans": scans}


def time_recall(redis: RedisClient, url: str, now_ms: int) -> dict[str, Any]:
    """Time the Redis lookup of every reference of the retention period."""
    with connect(url) as conn:
        started = time.perf_counter()
        result = recall(AuditTrail(redis), conn, now_ms, RETENTION_MS)
        seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "checked": result.checked,
            "entries_per_second": round(result.checked / seconds),
            "under_another_id": result.other_id, "unknown_to_redis": result.missing}


def main() -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--doubled", type=int, default=100)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="walletsvc-bench-verify-"))
    directory.chmod(0o755)
    server = RedisServer(directory / "redis").start()
    postgres = LocalPostgres(directory / "pg", free_port(), "bench").start()
    redis = redis_connect(server.url, 30.0)
    try:
        fill_ledger(postgres.url(), args.movements, args.doubled)
        fill_redis(redis, postgres.url())
        results = {"movements": args.movements, "doubled": args.doubled,
                   "doubled_in_ledger": time_doubled(postgres.url()),
                   "recorded_in_redis": time_recall(redis, postgres.url(),
                                                    START_MS + SPAN_MS)}
    finally:
        postgres.stop()
        server.stop()
    paths.result("verify.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
