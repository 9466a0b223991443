"""Asking for, approving and rejecting manual money: the rules, the requests and the store.

An approval locks the request's row, re-checks the wallet as it is now, and applies the
movement through the cashier's idempotent store script under the request's reference, then
closes the request in the same transaction that the operator's audit entry commits
(walletsvc/access/guard.py). If that commit is lost after the store applied the movement, the
request is still pending; approving it again replays the same reference and the balance moves
once. A request the store refuses (insufficient funds, a limit) is closed as failed; one that
nobody decided in time, as expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg

from walletsvc.access.directory import Operator
from walletsvc.approvals.requests import MoneyRequest, MoneyRequests, NewRequest
from walletsvc.approvals.rules import (
    RequestKind,
    Rules,
    State,
    check_amount,
    check_may_approve,
    check_may_ask,
    check_may_decide,
    movement_of,
)
from walletsvc.clock import Clock, iso_utc
from walletsvc.domain.operator import Operator as Wallets
from walletsvc.errors import (
    CurrencyError,
    InvalidAmount,
    RequestClosed,
    ResourceNotFound,
    WalletError,
)
from walletsvc.models import Applied, SubWallet, Wallet
from walletsvc.money import AmountError, Currencies, from_minor, to_minor

# A request and its wallet (None: not read, or gone), as a decision saw them.
Seen = tuple[MoneyRequest, Wallet | None]


@dataclass
class Trail:
    """What the last decision saw before and left after, for the operator's audit entry."""

    before: Seen | None = None
    after: Seen | None = None


@dataclass(frozen=True)
class Approval:
    """An approved request, the store's movement and the wallet after it."""

    request: MoneyRequest
    applied: Applied
    wallet: Wallet


class Desk:
    """Money requests over the operator's connection (the caller's transaction)."""

    def __init__(self, conn: psycopg.Connection[Any], wallets: Wallets, clock: Clock,
                 currencies: Currencies, rules: Rules) -> None:
        self._conn = conn
        self._requests = MoneyRequests(conn)
        self._wallets = wallets
        self._clock = clock
        self._currencies = currencies
        self._rules = rules
        self.trail = Trail()

    # Asking and reading ------------------------------------------------------------------

    def ask(self, maker: Operator, kind: RequestKind, wallet_id: str, sub_wallet: SubWallet,
            amount: Decimal, reason_code: str, note: str, ticket: str) -> MoneyRequest:
        """Store a pending request for an existing wallet, its amount exact in its currency."""
        check_may_ask(maker)
        wallet = self._wallets.wallet(wallet_id)
        minor = self._minor(amount, wallet.currency)
        check_amount(kind, minor)
        now = self._clock()
        asked = NewRequest(kind, wallet_id, sub_wallet, minor, wallet.currency, reason_code,
                           note, ticket)
        made = self._requests.add(asked, maker.id, now,
                                  now + self._rules.lifetime // timedelta(milliseconds=1))
        self.trail.after = (made, wallet)
        return made

    def get(self, request_id: str) -> MoneyRequest:
        """Return a request, or raise ResourceNotFound."""
        found = self._requests.get(request_id)
        if found is None:
            raise ResourceNotFound("no such money request")
        return found

    def page(self, state: State | None, wallet_id: str | None, cursor: int | None,
             limit: int) -> tuple[list[MoneyRequest], int | None]:
        """Return requests newest first, and the cursor of the next page."""
        return self._requests.page(self._clock(), state, wallet_id, cursor, limit)

    def now(self) -> int:
        """Return the time the desk decides by."""
        return self._clock()

    # Deciding ----------------------------------------------------------------------------

    def approve(self, checker: Operator, request_id: str, words: str | None) -> Approval:
        """Approve a pending request and apply its movement once; see the module's doc."""
        request = self._locked(request_id)
        scale = self._currencies.scale(request.currency)
        check_may_approve(checker, request.maker_id, from_minor(abs(request.amount), scale),
                          request.currency, self._rules)
        self.trail.before = (request, self._wallet(request.wallet_id))
        self._check_open(request)
        self._check_wallet(request, checker)
        kind, minor = movement_of(request.kind, request.amount)
        try:
            applied, wallet = self._wallets.adjust(request.wallet_id, kind,
                                                   from_minor(minor, scale),
                                                   request.sub_wallet, request.reference)
        except WalletError as refused:
            # 5xx: the store could not answer, nothing was applied; it may be approved again.
            if refused.answer()[0] < 500:
                self._fail(request, checker, refused)
            raise
        done = self._requests.close(request, "approved", self._clock(), checker.id,
                                    words or "approved", applied.movement_id)
        self.trail.after = (done, wallet)
        return Approval(done, applied, wallet)

    def reject(self, checker: Operator, request_id: str, reason: str) -> MoneyRequest:
        """Reject a pending request: nothing moves."""
        request = self._locked(request_id)
        check_may_decide(checker, request.maker_id)
        self.trail.before = (request, None)
        self._check_open(request)
        if self._wallets.adjusted(request.wallet_id, request.reference) is not None:
            raise RequestClosed("its movement was applied by an approval that did not finish; "
                                "approve it to record that")
        done = self._requests.close(request, "rejected", self._clock(), checker.id, reason)
        self.trail.after = (done, None)
        return done

    def _locked(self, request_id: str) -> MoneyRequest:
        found = self._requests.lock(request_id)
        if found is None:
            raise ResourceNotFound("no such money request")
        return found

    def _check_open(self, request: MoneyRequest) -> None:
        """Refuse a decided request; close one past its expiry, unless its movement was
        applied by an approval whose commit was lost (approving it again records that)."""
        now = self._clock()
        state = request.state(now)
        if state == "pending":
            return
        if request.stored_state != "pending":
            raise RequestClosed(f"it is {state}")
        if self._wallets.adjusted(request.wallet_id, request.reference) is not None:
            return
        closed = self._requests.close(request, "expired", now, None,
                                      "nobody decided it before it expired")
        self.trail.after = (closed, None)
        # The guard rolls back what a refused view wrote: commit the expiry before refusing.
        self._conn.commit()
        raise RequestClosed(f"it expired at {iso_utc(request.expires_ms)}")

    def _check_wallet(self, request: MoneyRequest, checker: Operator) -> None:
        """Fail the request if its wallet is gone or no longer in the request's currency."""
        wallet = self.trail.before[1] if self.trail.before else None
        refusal: WalletError | None = None
        if wallet is None:
            refusal = ResourceNotFound("the request's wallet no longer exists")
        elif wallet.currency != request.currency:
            refusal = CurrencyError(f"the wallet is in {wallet.currency}, the request in "
                                    f"{request.currency}")
        if refusal is not None:
            self._fail(request, checker, refusal)
            raise refusal

    def _fail(self, request: MoneyRequest, checker: Operator, refused: WalletError) -> None:
        failed = self._requests.close(request, "failed", self._clock(), checker.id,
                                      f"{refused.type}: {refused.body()['message']}")
        self.trail.after = (failed, self.trail.before[1] if self.trail.before else None)
        # The guard rolls back what a refused view wrote, then records the refusal: commit
        # the failure first, so the request stays closed (nothing moved) and is not retried.
        self._conn.commit()

    def _wallet(self, wallet_id: str) -> Wallet | None:
        try:
            return self._wallets.wallet(wallet_id)
        except ResourceNotFound:
            return None

    def _minor(self, amount: Decimal, currency: str) -> int:
        try:
            minor = to_minor(abs(amount), self._currencies.scale(currency))
        except AmountError as exc:
            raise InvalidAmount(f"amount {exc}") from None
        return -minor if amount < 0 else minor
