"""The ledger's reports for one request or command: a connection, opened and closed with it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg

from walletsvc.domain.reconciliation import Reconciliation
from walletsvc.errors import LedgerUnavailable
from walletsvc.ledger.database import LedgerUnreachable, connect
from walletsvc.ledger.reports import LedgerReports
from walletsvc.services import Services

_TIMEOUT_S = 3  # a report fails fast, in the GPAS error shape, while PostgreSQL is down


@dataclass(frozen=True)
class Book:
    """The ledger's reports, with the reconciliation report shaped as GPAS receives it."""

    reports: LedgerReports
    reconciliation: Reconciliation
    conn: psycopg.Connection[tuple[Any, ...]]


@contextlib.contextmanager
def open_book(services: Services) -> Iterator[Book]:
    """Open the ledger; PostgreSQL unset or unreachable raises LedgerUnavailable (503)."""
    try:
        conn = connect(services.config.ledger_url, _TIMEOUT_S)
    except LedgerUnreachable as exc:
        raise LedgerUnavailable(str(exc)) from None
    try:
        reports = LedgerReports(conn)
        yield Book(reports, Reconciliation(reports, services.games, services.currencies), conn)
    except psycopg.OperationalError as exc:
        raise LedgerUnavailable(f"PostgreSQL failed: {type(exc).__name__}") from None
    except psycopg.errors.UndefinedTable:
        raise LedgerUnavailable("the ledger has no schema yet (run walletsvc ledger migrate)"
                                ) from None
    finally:
        conn.close()
