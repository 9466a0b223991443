"""The operators' audit log: append-only and hash-chained in PostgreSQL.

Each entry's hash is SHA-256 over the hash of the entry before it and the entry's own fields
written as canonical JSON (sorted keys, no spaces); the first entry follows ``GENESIS``. An
entry appended takes the next number under a transaction-scoped advisory lock, so the chain
has no fork and no gap. ``verify`` walks the chain: an entry changed breaks its own hash, one
inserted or removed breaks the numbering or the link to the one before. Removing entries from
the end leaves a shorter chain that is whole; each append logs the new head (``audit_head``,
walletsvc/access/guard.py) so a copy of the head kept elsewhere shows it (``--head``).

The table refuses UPDATE, DELETE and TRUNCATE (migration 0004); entries are kept: the
retention operators owe (5 years) is a floor, and nothing here removes them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg

GENESIS = "0" * 64
_APPEND_LOCK = 0x1ED6E7  # advisory lock id (walletsvc/ledger/database.py has the others)
_COLUMNS = ("seq, at, actor, actor_name, roles, address, request_id, action, target, outcome,"
            " reason, before, after, prev_hash, hash")


@dataclass(frozen=True)
class AuditEntry:
    """One thing an operator did or looked at."""

    action: str
    target: str
    actor: str = ""
    actor_name: str = ""
    roles: tuple[str, ...] = ()
    address: str = ""
    request_id: str = ""
    outcome: int = 0
    reason: str = ""
    before: Any = None
    after: Any = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Recorded:
    """An entry as the log holds it: its number and hashes."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


def entry_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    """Return the hash that chains ``entry`` (numbered ``seq``) after ``prev_hash``."""
    fields = asdict(entry)
    fields["at"] = _moment(entry.at)
    fields["roles"] = list(entry.roles)
    fields["seq"] = seq
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}{canonical}".encode()).hexdigest()


def _moment(at: datetime) -> str:
    """The entry's time as hashed: UTC to the microsecond, as PostgreSQL keeps it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(conn: psycopg.Connection[Any], entry: AuditEntry) -> Recorded:
    """Append ``entry`` in the caller's transaction; return it with its number and hash."""
    # As it will read back: roles sorted, before and after as JSON keeps them, and no NUL
    # (PostgreSQL's text and jsonb hold none; a caller's odd input is kept, marked).
    fields = _without_nul({**asdict(entry), "roles": tuple(sorted(entry.roles)),
                           "before": _reloaded(entry.before), "after": _reloaded(entry.after)})
    entry = AuditEntry(**fields)
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_APPEND_LOCK,))
    last = conn.execute("SELECT seq, hash FROM operator_audit ORDER BY seq DESC LIMIT 1"
                        ).fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    digest = entry_hash(prev, seq, entry)
    conn.execute(
        f"INSERT INTO operator_audit ({_COLUMNS}) VALUES"  # noqa: S608
        " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (seq, entry.at, entry.actor, entry.actor_name, list(entry.roles), entry.address,
         entry.request_id, entry.action, entry.target, entry.outcome, entry.reason,
         _json(entry.before), _json(entry.after), prev, digest))
    return Recorded(seq, entry, prev, digest)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _without_nul(value: Any) -> Any:
    """Return ``value`` with each NUL character of its text written as U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_without_nul(v) for v in value)
    return value


def _reloaded(value: Any) -> Any:
    return None if value is None else json.loads(_json(value) or "null")


def _recorded(row: tuple[Any, ...]) -> Recorded:
    entry = AuditEntry(at=row[1], actor=row[2], actor_name=row[3], roles=tuple(row[4]),
                       address=row[5], request_id=row[6], action=row[7], target=row[8],
                       outcome=row[9], reason=row[10], before=row[11], after=row[12])
    return Recorded(row[0], entry, row[13], row[14])


@dataclass(frozen=True)
class Filters:
    """Which entries to read: each filter optional."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def read(conn: psycopg.Connection[Any], filters: Filters, after_seq: int = 0,
         limit: int | None = None) -> Iterator[Recorded]:
    """Yield entries in order, those matching ``filters`` numbered above ``after_seq``."""
    clauses: list[str] = ["seq > %s"]
    params: list[Any] = [after_seq]
    for column, value in (("actor", filters.actor), ("action", filters.action),
                          ("target", filters.target)):
        if value:
            clauses.append(f"{column} = %s")
            params.append(value)
    if filters.since:
        clauses.append("at >= %s")
        params.append(filters.since)
    if filters.until:
        clauses.append("at < %s")
        params.append(filters.until)
    query = f"SELECT {_COLUMNS} FROM operator_audit WHERE {' AND '.join(clauses)} ORDER BY seq"  # noqa: S608
    if limit is not None:
        query += f" LIMIT {int(limit)}"
    with conn.cursor(name="audit_read") if limit is None else conn.cursor() as cursor:
        cursor.execute(query.encode(), params)
        for row in cursor:
            yield _recorded(row)


@dataclass
class Verification:
    """What ``verify`` found."""

    entries: int = 0
    head: tuple[int, str] = (0, GENESIS)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether the chain is whole."""
        return not self.problems


def verify(conn: psycopg.Connection[Any], head: tuple[int, str] | None = None) -> Verification:
    """Walk the whole chain; report each entry whose number, link or hash is wrong, and a head
    kept elsewhere (``head``: number and hash) that the chain no longer holds."""
    found = Verification()
    expected_seq, prev = 1, GENESIS
    seen: dict[int, str] = {}
    for recorded in read(conn, Filters()):
        found.entries += 1
        if recorded.seq != expected_seq:
            found.problems.append(
                f"entry {recorded.seq}: expected number {expected_seq} (entries removed or "
                "inserted)")
        if recorded.prev_hash != prev:
            found.problems.append(
                f"entry {recorded.seq}: does not follow the entry before it (one before it "
                "was changed, removed or inserted)")
        if entry_hash(recorded.prev_hash, recorded.seq, recorded.entry) != recorded.hash:
            found.problems.append(f"entry {recorded.seq}: its content does not match its hash "
                                  "(changed)")
        seen[recorded.seq] = recorded.hash
        expected_seq, prev = recorded.seq + 1, recorded.hash
        found.head = (recorded.seq, recorded.hash)
    if head is not None and seen.get(head[0]) != head[1]:
        found.problems.append(
            f"the head kept elsewhere (entry {head[0]}, {head[1][:12]}…) is not in the chain "
            "(entries removed from its end, or rewritten)")
    return found
