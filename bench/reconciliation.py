"""The ledger's reconciliation counters on a large ledger: summed from the entries at each call
(the query the report ran before the summary table), and read from the summary the exporter
keeps (``ledger_reconciliation_daily``), side by side.

    .venv/bin/python -m bench.reconciliation [--movements 1000000] [--rounds 20]

Starts its own PostgreSQL (fsync on, as in production), fills it as bench/console.py does
(``fill_ledger``: ``movements`` bets and wins of 10,000 wallets over 90 days, and the summary
rebuilt over them), then asks each way for one day and for 31 days, ``rounds`` times each, and
checks that both give the same counters. Writes reconciliation.json (bench/paths.py says where)
and prints it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench import paths
from bench.console import fill_ledger
from devkit.postgres import LocalPostgres
from devkit.redis import free_port
from walletsvc.ledger.database import connect, migrate
from walletsvc.ledger.records import day_start
from walletsvc.ledger.reports import LedgerReports

Counters = dict[tuple[str, ...], dict[str, int]]

# The baseline: what LedgerReports.reconciliation_counters ran before the summary table.
_FROM_ENTRIES = (
    "SELECT to_char(at, 'YYYY-MM-DD'), provider_code, game_id, currency,"
    " sum(amount) FILTER (WHERE event = 'debit'),"
    " count(*) FILTER (WHERE event = 'debit'),"
    " sum(amount) FILTER (WHERE event = 'credit'),"
    " count(*) FILTER (WHERE event = 'credit'),"
    " sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'debit'),"
    " sum(amount) FILTER (WHERE event = 'rollback' AND reversed_kind = 'credit'),"
    " count(*) FILTER (WHERE event = 'rollback')"
    " FROM ledger_entries WHERE at >= %s AND at < %s"
    " AND event IN ('debit', 'credit', 'rollback') GROUP BY 1, 2, 3, 4")
_NAMES = ("bet", "count_bet", "win", "count_win", "bet_rollback", "win_rollback",
          "count_rollback")


def from_entries(conn: psycopg.Connection[Any], days: list[str]) -> Counters:
    """Sum the counters of ``days`` from the entries, as the report did before the summary."""
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    rows = conn.execute(_FROM_ENTRIES, (day_start(first),
                                        day_start(last + timedelta(days=1)))).fetchall()
    return {tuple(row[:4]): {name: int(value) for name, value in zip(_NAMES, row[4:],
                                                                       strict=True) if value}
            for row in rows if row[0] in days}


def timed(ask: Callable[[list[str]], Counters], days: list[str], rounds: int
          ) -> tuple[dict[str, Any], Counters]:
    """Ask ``rounds`` times (after one warm-up); return the times in ms and the answer."""
    answer, spent = ask(days), []
    for _ in range(rounds):
        started = time.perf_counter()
        ask(days)
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return {"p50_ms": round(statistics.median(spent), 2),
            "p95_ms": round(spent[max(0, round(0.95 * len(spent)) - 1)], 2),
            "max_ms": round(spent[-1], 2)}, answer


def measure(url: str, middle: date, rounds: int) -> dict[str, Any]:
    """Time both ways for one day and for the 31 days ending on ``middle``."""
    found: dict[str, Any] = {}
    with connect(url) as conn:
        conn.autocommit = True
        reports = LedgerReports(conn)
        for label, count in (("1 day", 1), ("31 days", 31)):
            days = [(middle - timedelta(days=n)).isoformat() for n in range(count)][::-1]
            before, old = timed(lambda d: from_entries(conn, d), days, rounds)
            after, new = timed(reports.reconciliation_counters, days, rounds)
            if old != new or not new:
                raise SystemExit(f"{label}: the summary's counters differ from the entries'")
            found[label] = {"rows": len(new), "from_entries": before, "from_summary": after}
    return found


def main() -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="walletsvc-bench-reconciliation-"))
    directory.chmod(0o755)
    postgres = LocalPostgres(directory / "pg", free_port(), "bench").start()
    try:
        with connect(postgres.url()) as conn:
            migrate(conn)
        started = time.perf_counter()
        ledger = fill_ledger(postgres.url(), args.movements)
        filled_s = time.perf_counter() - started
        results = {"movements": ledger.movements, "fill_with_summary_s": round(filled_s, 1),
                   **measure(postgres.url(), ledger.day, args.rounds)}
    finally:
        postgres.stop()
    paths.result("reconciliation.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
