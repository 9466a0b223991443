"""The money requests in PostgreSQL (table ``money_requests``, migration 0004).

Reads tell a request's state as of a moment: a pending request past its expiry reads as
expired before anyone closes it (``closing`` a request writes its state). Every method runs in
the caller's transaction; the caller commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from walletsvc.approvals.rules import RequestKind, State, reference_of
from walletsvc.clock import epoch_ms
from walletsvc.models import SubWallet

_COLUMNS = (
    "r.id, r.seq, r.kind, r.wallet_id, r.sub_wallet, r.amount, r.currency, r.reason_code,"
    " r.note, r.ticket, r.maker, m.name, r.created_at, r.expires_at, r.state, r.checker,"
    " c.name, r.decided_at, r.decision, r.reference, r.movement_id")
_FROM = ("FROM money_requests r JOIN operators m ON m.id = r.maker"
         " LEFT JOIN operators c ON c.id = r.checker")
MAX_PAGE = 200


@dataclass(frozen=True)
class NewRequest:
    """What a maker asks for (the amount in minor units, signed for a correction)."""

    kind: RequestKind
    wallet_id: str
    sub_wallet: SubWallet
    amount: int
    currency: str
    reason_code: str
    note: str
    ticket: str


@dataclass(frozen=True)
class MoneyRequest(NewRequest):
    """A request as stored: what was asked, its number, its maker's and checker's names."""

    id: str
    seq: int
    maker_id: str
    maker_name: str
    created_ms: int
    expires_ms: int
    stored_state: State
    checker_id: str | None
    checker_name: str | None
    decided_ms: int | None
    decision: str | None
    reference: str
    movement_id: str | None

    def state(self, now_ms: int) -> State:
        """Return the state at ``now_ms``: a pending request past its expiry is expired."""
        if self.stored_state == "pending" and now_ms >= self.expires_ms:
            return "expired"
        return self.stored_state


def moment(ms: int) -> datetime:
    """Return UTC milliseconds as an aware datetime, exactly."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def _request(row: tuple[Any, ...]) -> MoneyRequest:
    decided = row[17]
    return MoneyRequest(
        id=row[0], seq=row[1], kind=row[2], wallet_id=row[3], sub_wallet=row[4], amount=row[5],
        currency=row[6], reason_code=row[7], note=row[8], ticket=row[9], maker_id=row[10],
        maker_name=row[11], created_ms=epoch_ms(row[12]), expires_ms=epoch_ms(row[13]),
        stored_state=row[14], checker_id=row[15], checker_name=row[16],
        decided_ms=epoch_ms(decided) if decided else None, decision=row[18],
        reference=row[19], movement_id=row[20])


class MoneyRequests:
    """Adds, reads, locks and closes money requests over one connection."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def add(self, asked: NewRequest, maker_id: str, now_ms: int, expires_ms: int
            ) -> MoneyRequest:
        """Store a new pending request; return it."""
        request_id = uuid.uuid4().hex
        self.conn.execute(
            "INSERT INTO money_requests (id, kind, wallet_id, sub_wallet, amount, currency,"
            " reason_code, note, ticket, maker, created_at, expires_at, reference)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (request_id, asked.kind, asked.wallet_id, asked.sub_wallet, asked.amount,
             asked.currency, asked.reason_code, asked.note, asked.ticket, maker_id,
             moment(now_ms), moment(expires_ms), reference_of(request_id)))
        found = self.get(request_id)
        assert found is not None
        return found

    def get(self, request_id: str) -> MoneyRequest | None:
        """Return a request by id."""
        row = self.conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE r.id = %s",
                                (request_id,)).fetchone()
        return _request(row) if row else None

    def lock(self, request_id: str) -> MoneyRequest | None:
        """Return a request by id, its row locked until the transaction ends: one decision at
        a time."""
        row = self.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE r.id = %s FOR UPDATE OF r",
            (request_id,)).fetchone()
        return _request(row) if row else None

    def page(self, now_ms: int, state: State | None, wallet_id: str | None,
             before_seq: int | None, limit: int) -> tuple[list[MoneyRequest], int | None]:
        """Return requests newest first, in ``state`` (as of ``now_ms``) and of ``wallet_id``
        if given, made before ``before_seq``; and the cursor of the next page."""
        clauses: list[str] = ["TRUE"]
        params: list[Any] = []
        if state is not None:
            clauses.append(_STATE_AT[state])
            params.extend([moment(now_ms)] * _STATE_AT[state].count("%s"))
        if wallet_id is not None:
            clauses.append("r.wallet_id = %s")
            params.append(wallet_id)
        if before_seq is not None:
            clauses.append("r.seq < %s")
            params.append(before_seq)
        limit = min(limit, MAX_PAGE)
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(clauses)}"
            " ORDER BY r.seq DESC LIMIT %s", (*params, limit + 1)).fetchall()
        found = [_request(row) for row in rows[:limit]]
        return found, (found[-1].seq if len(rows) > limit else None)

    def close(self, request: MoneyRequest, state: State, now_ms: int, checker_id: str | None,
              decision: str, movement_id: str | None = None) -> MoneyRequest:
        """Close a pending request as ``state``; return it as it now is."""
        closed = self.conn.execute(
            "UPDATE money_requests SET state = %s, checker = %s, decided_at = %s,"
            " decision = %s, movement_id = %s WHERE id = %s AND state = 'pending'",
            (state, checker_id, moment(now_ms), decision, movement_id, request.id))
        if closed.rowcount != 1:
            raise LookupError(f"money request {request.id} is not pending")
        found = self.get(request.id)
        assert found is not None
        return found


# A state as of a moment (each %s is that moment).
_STATE_AT: dict[State, str] = {
    "pending": "(r.state = 'pending' AND r.expires_at > %s)",
    "expired": "(r.state = 'expired' OR (r.state = 'pending' AND r.expires_at <= %s))",
    "approved": "r.state = 'approved'",
    "rejected": "r.state = 'rejected'",
    "failed": "r.state = 'failed'",
}
