"""Each ``ledger verify`` run kept in the ledger (``ledger_verify_runs``), and its outcome read
back for /metrics: when verify last found nothing, and whether its latest run found something.

The outcome lives in PostgreSQL rather than in Redis: it must survive the very loss of Redis
data that verify is there to catch. /metrics reads it at scrape time, as it reads the ledger's
lag from the outboxes, so every instance reports the same. psycopg waits cooperatively once
gevent has patched ``select`` (gunicorn's gevent workers patch before they load the app), so a
slow PostgreSQL delays the scrape, not the worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from walletsvc.ledger.database import connect
from walletsvc.ledger.verify import Verdict

_SCRAPE_TIMEOUT_S = 2  # libpq's shortest connect timeout
_RECORD = "INSERT INTO ledger_verify_runs (started_at, ok, findings) VALUES (%s, %s, %s)"
_OUTCOME = """
SELECT (SELECT NOT ok FROM ledger_verify_runs ORDER BY id DESC LIMIT 1),
       (SELECT extract(epoch FROM max(finished_at)) FROM ledger_verify_runs WHERE ok)
"""


@dataclass(frozen=True)
class Outcome:
    """Whether the latest run found something, and when a run last found nothing (0: never)."""

    failed: bool
    last_success_s: float


@dataclass(frozen=True)
class Run:
    """One ``ledger verify`` run as kept: when, whether it found nothing, and its counts."""

    started_at: datetime
    finished_at: datetime
    ok: bool
    findings: dict[str, Any]


def findings(verdict: Verdict) -> dict[str, int]:
    """Count what a run compared and found, by kind."""
    return {"wallets": verdict.wallets, "differences": len(verdict.differences),
            "doubledReferences": len(verdict.doubled),
            "referencesChecked": verdict.recall.checked,
            "referencesUnknownToRedis": verdict.recall.missing,
            "referencesUnderAnotherId": verdict.recall.other_id,
            "entriesWaiting": verdict.backlog.pending,
            "summaryRowsCompared": verdict.summary.compared,
            "summaryDifferences": verdict.summary.differing}


def run_and_keep(conn: psycopg.Connection[tuple[Any, ...]], run: Callable[[], Verdict]
                 ) -> Verdict:
    """Run verify and keep its outcome; a run that raises is kept as failed, then re-raised."""
    started = datetime.now(UTC)
    try:
        verdict = run()
    except Exception as exc:
        # Kept if PostgreSQL still answers; the error that stopped the run is raised either way.
        with contextlib.suppress(psycopg.Error):
            conn.rollback()
            with conn.transaction():
                conn.execute(_RECORD, (started, False, Jsonb({"error": _error(exc)})))
        raise
    with conn.transaction():
        conn.execute(_RECORD, (started, verdict.clean, Jsonb(findings(verdict))))
    return verdict


def outcome(conn: psycopg.Connection[tuple[Any, ...]]) -> Outcome:
    """Read the latest run's outcome and the time of the last run that found nothing."""
    row = conn.execute(_OUTCOME).fetchone()
    failed, last_success = row if row else (None, None)
    return Outcome(bool(failed), float(last_success or 0))


def recent(conn: psycopg.Connection[tuple[Any, ...]], count: int) -> list[Run]:
    """Return the latest ``count`` runs, newest first (on the primary key, read backwards)."""
    rows = conn.execute("SELECT started_at, finished_at, ok, findings FROM ledger_verify_runs"
                        " ORDER BY id DESC LIMIT %s", (count,)).fetchall()
    return [Run(started, finished, bool(ok), dict(found)) for started, finished, ok, found
            in rows]


def scrape(url: str) -> Outcome:
    """Read the outcome over a connection of its own, failing fast; raise psycopg.Error or
    LedgerUnreachable when the ledger cannot say."""
    with connect(url, _SCRAPE_TIMEOUT_S) as conn:
        conn.execute("SET statement_timeout = '2s'")
        return outcome(conn)


def _error(exc: Exception) -> str:
    # The class and its text: a connection error names host and port, never a password.
    return f"{type(exc).__name__}: {exc}"[:500]
