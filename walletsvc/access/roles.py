"""Roles, and which roles each kind of action needs.

A person holds any of the people's roles; a service account (a machine: the operator's
platform, its cashier, a script) holds the same ones and may also hold ``platform``, the one
role no person can: it creates wallets, issues launch tokens and posts the deposits and
withdrawals a payment backs, without a second approver, because the payment provider's record
is the second record. Every manual movement of money by a person is a request another person
approves (walletsvc/approvals).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an operator may do; several per operator."""

    SUPPORT = "support"          # reads wallets, sessions, movements, statements; blocks, pauses
    FINANCE = "finance"          # asks for and approves adjustments up to the approval limit
    FINANCE_LEAD = "finance_lead"  # approves adjustments of any amount
    COMPLIANCE = "compliance"    # limits, pauses, exclusions; reads the audit log
    AUDITOR = "auditor"          # reads the audit log, nothing else
    ADMIN = "admin"              # operators, roles and tokens; never money
    PLATFORM = "platform"        # service accounts only: wallets, launch tokens, cashier money


PEOPLE_ROLES = frozenset(Role) - {Role.PLATFORM}
SERVICE_ONLY = frozenset({Role.PLATFORM})

# Who may do what: each route names one of these (walletsvc/access/guard.py).
READ_PLAYER = frozenset({Role.SUPPORT, Role.FINANCE, Role.FINANCE_LEAD, Role.COMPLIANCE,
                         Role.PLATFORM})
BLOCK_PLAYER = frozenset({Role.SUPPORT, Role.COMPLIANCE, Role.PLATFORM})
PROTECT_PLAYER = frozenset({Role.COMPLIANCE, Role.SUPPORT, Role.PLATFORM})
LIFT_PROTECTION = frozenset({Role.COMPLIANCE})
CREATE_WALLET = frozenset({Role.PLATFORM})
CASHIER = frozenset({Role.PLATFORM})
ASK_MONEY = frozenset({Role.FINANCE, Role.FINANCE_LEAD})
APPROVE_MONEY = frozenset({Role.FINANCE, Role.FINANCE_LEAD})
REPORTS = frozenset({Role.FINANCE, Role.FINANCE_LEAD, Role.COMPLIANCE})
READ_AUDIT = frozenset({Role.AUDITOR, Role.COMPLIANCE})
MANAGE_OPERATORS = frozenset({Role.ADMIN})
ANY_OPERATOR = frozenset(Role)


def parse_roles(names: str | list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Return the roles named (a comma-separated string or a list); raise ValueError on an
    unknown one."""
    items = names.split(",") if isinstance(names, str) else list(names)
    found = set()
    for item in (name.strip().lower() for name in items):
        if not item:
            continue
        try:
            found.add(Role(item))
        except ValueError:
            raise ValueError(f"unknown role {item!r}: one of {', '.join(Role)}") from None
    return frozenset(found)
