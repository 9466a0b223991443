"""The exporter: outbox entries into PostgreSQL, each exactly once, acknowledged after commit.

A batch is read (new entries, and from time to time what other consumers left pending too
long), written in one PostgreSQL transaction, and only then acknowledged and deleted in Redis.
A crash anywhere leaves the entries pending in Redis: another exporter (or this one restarted,
under a new name) reclaims them after ``claim_idle_ms`` and inserts them again, which the
ledger's unique key turns into nothing. While PostgreSQL is down the batch is retried, with a
growing pause, and everything after it waits in Redis.

Nothing the exporter sends once its consumer groups exist is a command Redis refuses over
``maxmemory``: it starts, reconnects and frees memory on a full Redis, which is when it is
needed most (the outbox is what filled it).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass

import psycopg
from redis.exceptions import RedisError

from walletsvc.ledger.database import LedgerUnreachable, connect, migrate
from walletsvc.ledger.writer import LedgerWriter
from walletsvc.store import RedisClient
from walletsvc.store.outbox import NoGroup, Outbox, OutboxEntry

log = logging.getLogger("walletsvc.ledger")
_EXITED_CONSUMER_MS = 3_600_000


def consumer_name() -> str:
    """Return a consumer name unique to this process (host, pid and a random part)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class ExportSettings:
    """How the exporter reads: entries per shard per read, and when to reclaim."""

    per_shard: int = 200
    claim_idle_ms: int = 30_000
    claim_every_s: float = 5.0
    idle_sleep_s: float = 0.05
    max_backoff_s: float = 5.0


@dataclass
class ExportStats:
    """What one run did."""

    read: int = 0
    inserted: int = 0
    batches: int = 0


class Exporter:
    """Move outbox entries into the ledger; several may run at once (one consumer group)."""

    def __init__(self, redis: RedisClient, ledger_url: str,
                 settings: ExportSettings | None = None, consumer: str | None = None) -> None:
        self.outbox = Outbox(redis)
        self._url = ledger_url
        self.settings = settings or ExportSettings()
        self.consumer = consumer or consumer_name()
        self.stats = ExportStats()
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._writer: LedgerWriter | None = None
        self._last_claim = 0.0

    def prepare(self) -> None:
        """Migrate the ledger's schema and create the consumer groups."""
        self._ensure_writer()
        self.outbox.ensure_groups()
        self.outbox.forget_idle_consumers(_EXITED_CONSUMER_MS)

    def export_pending(self) -> ExportStats:
        """Export everything waiting now, what dead consumers left included; then return.

        PostgreSQL or Redis failing stops the run with the exception: nothing is lost, the
        entries not written stay in Redis for the next run.
        """
        self.prepare()
        while True:
            batch = self._next(reclaim=True)
            if not batch:
                return self.stats
            self._write(batch)
            self.outbox.done(batch)

    def follow(self, stop: threading.Event) -> ExportStats:
        """Export until ``stop`` is set, waiting out PostgreSQL and Redis failures."""
        backoff = 0.0
        pending: list[OutboxEntry] = []
        while not stop.is_set():
            try:
                if self._writer is None:
                    self.prepare()
                pending = pending or self._next(reclaim=self._claim_due())
                if pending:
                    self._write(pending)
                    self.outbox.done(pending)
                    pending = []
                else:
                    stop.wait(self.settings.idle_sleep_s)
                backoff = 0.0
            except (psycopg.Error, LedgerUnreachable, RedisError) as exc:
                backoff = min(self.settings.max_backoff_s, max(0.2, backoff * 2))
                self._on_failure(exc, backoff)
                stop.wait(backoff)
        self.close()
        return self.stats

    def close(self) -> None:
        """Close the PostgreSQL connection."""
        if self._conn is not None:
            self._conn.close()
        self._conn = self._writer = None

    def _next(self, reclaim: bool) -> list[OutboxEntry]:
        try:
            batch = self.outbox.read(self.consumer, self.settings.per_shard)
            if reclaim:
                self._last_claim = time.monotonic()
                batch += self.outbox.reclaim(self.consumer, self.settings.claim_idle_ms,
                                             self.settings.per_shard)
        except NoGroup:
            log.warning("an outbox lost its consumer group (Redis emptied?): creating it again")
            self.outbox.ensure_groups()
            return []
        self.stats.read += len(batch)
        return batch

    def _claim_due(self) -> bool:
        return time.monotonic() - self._last_claim >= self.settings.claim_every_s

    def _write(self, batch: list[OutboxEntry]) -> None:
        writer = self._ensure_writer()
        try:
            inserted = writer.write(batch)
        except psycopg.Error:
            self.close()  # a fresh connection for the retry: this one may be broken
            raise
        self.stats.inserted += inserted
        self.stats.batches += 1
        log.debug("batch of %d entries, %d new in the ledger", len(batch), inserted)

    def _ensure_writer(self) -> LedgerWriter:
        if self._writer is None:
            self._conn = connect(self._url)
            migrate(self._conn)
            self._writer = LedgerWriter(self._conn)
        return self._writer

    def _on_failure(self, exc: Exception, backoff: float) -> None:
        if isinstance(exc, RedisError):
            self.outbox.refresh()
        else:
            self.close()
        log.warning("export paused %.1fs: %s: %s", backoff, type(exc).__name__, exc)
