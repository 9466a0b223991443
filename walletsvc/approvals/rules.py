"""What a money request may hold, and who may decide it: plain rules, no storage.

The maker never decides their own request; an operator holding ``admin`` never moves money,
whatever else they hold (they grant the roles, so they could otherwise approve through an
account they made); a service account never stands for a person's second pair of eyes. An
approver with ``finance`` approves up to the currency's approval limit, ``finance_lead`` any
amount; a currency without a limit is the lead's alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Literal

from walletsvc.access.directory import Operator
from walletsvc.access.roles import APPROVE_MONEY, ASK_MONEY, Role
from walletsvc.config import Config
from walletsvc.errors import FourEyesRequired, InvalidAmount, RoleRequired
from walletsvc.models import AdjustmentKind

RequestKind = Literal["deposit", "withdrawal", "correction"]
State = Literal["pending", "approved", "rejected", "expired", "failed"]
KINDS: tuple[RequestKind, ...] = ("deposit", "withdrawal", "correction")
STATES: tuple[State, ...] = ("pending", "approved", "rejected", "expired", "failed")
# Why money is moved by hand: one of these, with the note and the ticket saying the rest.
REASON_CODES = ("GOODWILL", "MISSED_PAYMENT", "REVERSED_PAYMENT", "BONUS", "CHARGEBACK",
                "ERROR_CORRECTION", "OTHER")
REFERENCE_PREFIX = "req-"


@dataclass(frozen=True)
class Rules:
    """The settings the rules apply: approval limits per currency, a request's lifetime."""

    limits: Mapping[str, Decimal]
    lifetime: timedelta

    @classmethod
    def of(cls, config: Config) -> Rules:
        """Return the rules the settings configure."""
        return cls(config.approval_limits, timedelta(hours=config.money_request_hours))

    def limit(self, currency: str) -> Decimal:
        """Return the largest amount ``finance`` approves in ``currency`` (0: none)."""
        return self.limits.get(currency, Decimal(0))


def reference_of(request_id: str) -> str:
    """Return the store reference the request's movement is applied under."""
    return REFERENCE_PREFIX + request_id


def check_amount(kind: RequestKind, minor: int) -> None:
    """Refuse a zero amount, and a negative one but for a correction."""
    if minor == 0:
        raise InvalidAmount("amount must not be zero")
    if minor < 0 and kind != "correction":
        raise InvalidAmount(f"amount of a {kind} must be positive; a correction may be negative")


def movement_of(kind: RequestKind, minor: int) -> tuple[AdjustmentKind, int]:
    """Return the store movement a request makes: a correction's sign chooses deposit or
    withdrawal."""
    if kind == "deposit" or (kind == "correction" and minor > 0):
        return "deposit", abs(minor)
    return "withdrawal", abs(minor)


def check_may_move_money(operator: Operator, roles: frozenset[Role]) -> None:
    """Refuse an admin, or a service account, any part in moving money by hand."""
    if Role.ADMIN in operator.roles:
        raise RoleRequired("an operator holding admin never moves money, whatever else they "
                           "hold; ask someone with finance")
    if operator.kind != "person":
        raise RoleRequired("a service account moves money through the cashier's routes; "
                           "a request is made and decided by people")
    if not operator.holds(roles):
        raise RoleRequired(f"needs one of {', '.join(sorted(roles))}")


def check_may_ask(maker: Operator) -> None:
    """Refuse a maker who may not ask for money."""
    check_may_move_money(maker, ASK_MONEY)


def check_may_decide(checker: Operator, maker_id: str) -> None:
    """Refuse a checker who may not decide this request (approve or reject it)."""
    check_may_move_money(checker, APPROVE_MONEY)
    if checker.id == maker_id:
        raise FourEyesRequired("you asked for this movement: another operator decides it")


def check_may_approve(checker: Operator, maker_id: str, magnitude: Decimal, currency: str,
                      rules: Rules) -> None:
    """Refuse an approver who may not approve this amount (``magnitude``, in ``currency``)."""
    check_may_decide(checker, maker_id)
    if Role.FINANCE_LEAD in checker.roles:
        return
    limit = rules.limit(currency)
    if magnitude > limit:
        raise FourEyesRequired(
            f"{magnitude} {currency} is above the approval limit of {limit} {currency} for "
            f"finance: a finance_lead must approve it")
