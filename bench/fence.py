"""What the store fence costs a debit: the scripts as shipped against the same without it.

    .venv/bin/python -m bench.fence [--debits 10000] [--repeat 3]

Starts its own redis-server (append-only file off, so script time is Redis CPU alone) and a
PostgreSQL with the demo operators (who set the wallets up), and sends
signed debits through the service (in-process WSGI, as GPAS signs them), alternately with the
shipped scripts and with the fence's check taken out of common.lua, ``--repeat`` times each:
debits per second and Redis microseconds per EVALSHA (INFO commandstats). The fence adds one
HGET and one key name to every script call, in the same round trip. Writes
fence.json (bench/paths.py says where) and prints it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import paths
from bench.ledger import debits, evalsha_usec
from devkit.postgres import demo_database
from devkit.redis import RedisServer
from devkit.store import initialise
from walletsvc.store import RedisClient, connect, scripts

_FENCE = """if redis.call('HGET', K.store, 'state') ~= 'ready' then
  return {'STORE_NOT_READY'}
end"""


@contextmanager
def without_fence() -> Iterator[None]:
    """Run with the fence's check taken out of every script."""
    original = scripts._source
    assert _FENCE in original("movement.lua"), "the fence's check is not where it was"
    scripts._source = lambda name: original(name).replace(_FENCE, "")
    try:
        yield
    finally:
        scripts._source = original


def one_run(redis: RedisClient, ledger_url: str, count: int, fenced: bool
            ) -> dict[str, float]:
    """Debits on an emptied, initialised Redis; with or without the fence."""
    redis.flushall()
    initialise(redis)
    redis.config_resetstat()
    if fenced:
        rate = debits(redis, ledger_url, count)
    else:
        with without_fence():
            rate = debits(redis, ledger_url, count)
    return {"debits_per_second": rate, "evalsha_usec": evalsha_usec(redis)}


def summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    return {name: {"runs": [round(run[name], 1) for run in runs],
                   "median": round(statistics.median(run[name] for run in runs), 1)}
            for name in ("debits_per_second", "evalsha_usec")}


def main() -> None:
    """Measure debits with and without the fence, alternately, and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="walletsvc-bench-fence-"))
    server = RedisServer(folder / "redis").start()
    redis = connect(server.url, 10.0)
    runs: dict[str, list[dict[str, float]]] = {"without_fence": [], "with_fence": []}
    try:
        with demo_database() as ledger_url:
            for _ in range(args.repeat):
                runs["without_fence"].append(one_run(redis, ledger_url, args.debits,
                                                     fenced=False))
                runs["with_fence"].append(one_run(redis, ledger_url, args.debits, fenced=True))
    finally:
        server.stop()
    results = {name: summary(found) for name, found in runs.items()}
    paths.result("fence.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
