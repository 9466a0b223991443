"""The ledger's benchmark: what the outbox costs a debit, and how fast the exporter drains it.

    .venv/bin/python -m bench.ledger [--debits 20000]

Starts its own redis-server (append-only file off, so script time is Redis CPU alone) and
PostgreSQL (fsync on, as in production), then:

1. debits through the service (in-process WSGI, signed as GPAS signs) with the movement script
   as shipped and with its outbox write taken out: Redis microseconds per EVALSHA
   (INFO commandstats) and debits per second, before and after;
2. bytes of Redis memory per entry waiting in the outboxes;
3. the exporter alone draining that backlog into PostgreSQL: movements per second;
4. the exporter following while debits run: lag (oldest waiting entry's age) p50/p99.

Writes ledger.json (bench/paths.py says where) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import paths
from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.operators import prepare
from devkit.postgres import LocalPostgres
from devkit.redis import RedisServer, free_port
from devkit.settings import FakeClock, base_config
from devkit.store import initialise
from walletsvc import create_app
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.store import RedisClient, connect, scripts
from walletsvc.store.outbox import Outbox

_OUTBOX_WRITE = "redis.call('XADD', K.outbox, '*', unpack(fields))"


def debits(redis: RedisClient, ledger_url: str, count: int, players: int = 50) -> float:
    """Send ``count`` signed debits over ``players`` sessions (set up by the platform's demo
    operator, kept at ``ledger_url``); return debits per second."""
    app = create_app(base_config(session_idle_seconds=86_400, ledger_url=ledger_url),
                     redis=redis, clock=FakeClock())
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    sessions = [open_session(gpas, admin, real="1000000")[1] for _ in range(players)]
    started = time.perf_counter()
    for n in range(count):
        assert gpas.debit(sessions[n % players], "0.10").status_code == 200
    return count / (time.perf_counter() - started)


def evalsha_usec(redis: RedisClient) -> float:
    """Return Redis's mean microseconds per EVALSHA since the last CONFIG RESETSTAT."""
    stats: Any = redis.info("commandstats")
    return float(stats["cmdstat_evalsha"]["usec_per_call"])


def script_cost(redis: RedisClient, url: str, count: int, with_outbox: bool
                ) -> dict[str, float]:
    """Debits with the shipped scripts, or with the outbox write taken out of them."""
    original = scripts._source
    if not with_outbox:
        scripts._source = lambda name: original(name).replace(_OUTBOX_WRITE, "")
    try:
        redis.flushall()
        initialise(redis)  # a new store, marked ready as `walletsvc store init` marks it
        redis.config_resetstat()
        rate = debits(redis, url, count)
        return {"debits_per_second": round(rate, 1), "evalsha_usec": evalsha_usec(redis)}
    finally:
        scripts._source = original


def drain(redis: RedisClient, url: str) -> dict[str, float]:
    """Time one exporter emptying the outboxes into PostgreSQL."""
    backlog = Outbox(redis).backlog().pending
    exporter = Exporter(redis, url, ExportSettings(per_shard=200))
    exporter.prepare()
    started = time.perf_counter()
    stats = exporter.export_pending()
    seconds = time.perf_counter() - started
    exporter.close()
    return {"entries": backlog, "inserted": stats.inserted, "seconds": round(seconds, 2),
            "movements_per_second": round(stats.inserted / seconds, 1)}


def lag_under_load(redis: RedisClient, url: str, count: int) -> dict[str, float]:
    """Debits while one exporter follows; sample the lag every 50 ms."""
    stop, samples = threading.Event(), []
    exporter = Exporter(redis, url, ExportSettings(per_shard=200))
    follower = threading.Thread(target=exporter.follow, args=(stop,))
    follower.start()
    done = threading.Event()

    def sample() -> None:
        outbox = Outbox(redis)
        while not done.is_set():
            samples.append(outbox.backlog().lag_seconds())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    rate = debits(redis, url, count)
    done.set()
    sampler.join()
    stop.set()
    follower.join()
    ordered = sorted(samples)
    return {"debits_per_second": round(rate, 1), "samples": len(samples),
            "lag_p50_s": round(statistics.median(ordered), 3),
            "lag_p99_s": round(ordered[int(len(ordered) * 0.99) - 1], 3),
            "lag_max_s": round(ordered[-1], 3)}


def main() -> None:
    """Run the ledger benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=20_000)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="walletsvc-bench-ledger-"))
    directory.chmod(0o755)
    server = RedisServer(directory / "redis").start()
    postgres = LocalPostgres(directory / "pg", free_port(), "bench").start()
    redis = connect(server.url, 10.0)
    try:
        prepare(postgres.url())  # the schema and the demo operators, who set the wallets up
        results: dict[str, Any] = {
            "without_outbox": script_cost(redis, postgres.url(), args.debits // 4,
                                          with_outbox=False),
            "with_outbox": script_cost(redis, postgres.url(), args.debits // 4,
                                       with_outbox=True),
        }
        redis.flushall()
        initialise(redis)
        before = int(redis.info("memory")["used_memory"])
        results["backlog_debits_per_second"] = round(debits(redis, postgres.url(), args.debits),
                                                     1)
        entries = Outbox(redis).backlog().pending
        stream_bytes = sum(int(redis.memory_usage(key) or 0)
                           for key in redis.scan_iter(match="ob:*"))
        results["memory"] = {"entries": entries, "outbox_bytes": stream_bytes,
                             "bytes_per_entry": round(stream_bytes / entries, 1),
                             "used_memory_growth": int(redis.info("memory")["used_memory"])
                             - before}
        results["drain"] = drain(redis, postgres.url())
        results["follow"] = lag_under_load(redis, postgres.url(), args.debits // 2)
        results["export_over_debit"] = round(results["drain"]["movements_per_second"]
                                             / results["follow"]["debits_per_second"], 2)
    finally:
        postgres.stop()
        server.stop()
    paths.result("ledger.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
