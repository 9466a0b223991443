"""The ledger's PostgreSQL: connections, numbered schema migrations and monthly partitions.

Migrations are the numbered SQL files of ``migrations/`` (``0001_ledger.sql``, ...), applied in
order, each in its own transaction with its number written to ``ledger_schema_version``, under
an advisory lock so that exporters starting together apply each one once. Plain SQL rather than
alembic: the ledger's schema is DDL with declarative partitioning that no ORM model describes,
walletsvc has no SQLAlchemy to bring along for it, and a reviewer reads exactly what runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources

import psycopg
from psycopg import sql

_MIGRATION_LOCK = 0x1ED6E5  # advisory lock ids: any constants, the same in every process
_PARTITION_LOCK = 0x1ED6E6
PARENT = "ledger_entries"


class LedgerUnreachable(Exception):
    """PostgreSQL did not answer, or the ledger is not configured."""


def connect(url: str | None, timeout_s: int = 5) -> psycopg.Connection[tuple[object, ...]]:
    """Open a connection to the ledger; raise LedgerUnreachable if it cannot be had."""
    if not url:
        raise LedgerUnreachable("WALLETSVC_LEDGER_URL is not set")
    try:
        # UTC sessions: a change's day is its UTC day, whatever the server's own zone.
        return psycopg.connect(url, connect_timeout=timeout_s, application_name="walletsvc",
                               options="-c TimeZone=UTC")
    except psycopg.OperationalError as exc:
        raise LedgerUnreachable(f"PostgreSQL is unreachable: {exc}".strip()) from None


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Return the migrations shipped with walletsvc, in order."""
    folder = resources.files("walletsvc.ledger") / "migrations"
    found = []
    for item in folder.iterdir():
        if item.name.endswith(".sql"):
            number, _, name = item.name.removesuffix(".sql").partition("_")
            found.append(Migration(int(number), name, item.read_text()))
    return sorted(found, key=lambda m: m.version)


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """Apply the migrations this database lacks; return the versions applied."""
    applied = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS ledger_schema_version ("
                     " version integer PRIMARY KEY, name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())")
        done = {row[0] for row in conn.execute("SELECT version FROM ledger_schema_version")}
        for migration in migrations():
            if migration.version in done:
                continue
            conn.execute(migration.sql.encode())
            conn.execute("INSERT INTO ledger_schema_version (version, name) VALUES (%s, %s)",
                         (migration.version, migration.name))
            applied.append(migration.version)
    return applied


def schema_version(conn: psycopg.Connection[tuple[object, ...]]) -> int:
    """Return the highest migration applied (0 on an empty database)."""
    exists = conn.execute("SELECT to_regclass('ledger_schema_version')").fetchone()
    if not exists or exists[0] is None:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM ledger_schema_version").fetchone()
    return int(str(row[0])) if row else 0


# Partitions -----------------------------------------------------------------------------------

def month_of(moment: datetime | date) -> date:
    """Return the first day of the month ``moment`` falls in."""
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    """Return the first day of the month after ``month``."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Return the first day of each month from ``first``'s to ``last``'s, oldest first."""
    found, month = [], month_of(first)
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def partition_name(month: date) -> str:
    """Return the name of a month's partition, e.g. ``ledger_entries_2026_09``."""
    return f"{PARENT}_{month.year:04d}_{month.month:02d}"


class Partitions:
    """Create month partitions before rows need them; drop those past the retention."""

    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._conn = conn
        self._known: set[date] = set()

    def ensure(self, months: set[date]) -> None:
        """Create the partitions of ``months`` that do not exist yet (one transaction)."""
        missing = months - self._known
        if not missing:
            return
        with self._conn.transaction():
            # Exporters creating the same month at once would collide in the catalogue.
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_PARTITION_LOCK,))
            for month in sorted(missing):
                lower, upper = (datetime(m.year, m.month, 1, tzinfo=UTC)
                                for m in (month, next_month(month)))
                self._conn.execute(sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})"
                ).format(sql.Identifier(partition_name(month)), sql.Identifier(PARENT),
                         sql.Literal(lower), sql.Literal(upper)))
        self._known |= missing

    def existing(self) -> list[date]:
        """Return the months that have a partition, oldest first."""
        rows = self._conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass", (PARENT,)).fetchall()
        months = []
        for (name,) in rows:
            year, month = str(name).removeprefix(PARENT + "_").split("_")
            months.append(date(int(year), int(month), 1))
        return sorted(months)

    def drop_expired(self, today: date, retention_years: int) -> list[str]:
        """Drop the partitions whose whole month ended more than the retention ago."""
        cutoff = month_of(date(today.year - retention_years, today.month, 1))
        dropped = []
        for month in self.existing():
            if next_month(month) <= cutoff:
                with self._conn.transaction():
                    self._conn.execute(
                        sql.SQL("DROP TABLE {}").format(sql.Identifier(partition_name(month))))
                dropped.append(partition_name(month))
                self._known.discard(month)
        return dropped

    def create_ahead(self, today: date, months: int) -> list[str]:
        """Create this month's partition and the next ``months``; return their names."""
        wanted, month = set(), month_of(today)
        for _ in range(months + 1):
            wanted.add(month)
            month = next_month(month)
        self._known -= wanted  # look again: another process may have dropped one
        self.ensure(wanted)
        return [partition_name(m) for m in sorted(wanted)]
