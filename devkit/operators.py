"""The demo and test operators: one per role, each with a fixed API token.

``make run`` and the test suite's template database hold them (devkit/postgres.py). The tokens
are known to anyone who reads this file: they belong to a development database only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg

from walletsvc.access.directory import Directory, Kind
from walletsvc.access.roles import Role


@dataclass(frozen=True)
class DemoOperator:
    """An operator of the development database, with its token."""

    name: str
    kind: Kind
    roles: frozenset[Role]
    token: str


def _token(name: str) -> str:
    return f"wso_devkit-{name}-" + "0" * (40 - len(name))


def _demo(name: str, kind: Kind, *roles: Role) -> DemoOperator:
    return DemoOperator(name, kind, frozenset(roles), _token(name))


# The platform: the operator's own systems (registration, game launch, the cashier); in tests
# it also reads, blocks and sets limits, as the shared admin key did.
PLATFORM = _demo("platform", "service", Role.PLATFORM, Role.SUPPORT, Role.COMPLIANCE,
                 Role.FINANCE)
SUPPORT = _demo("sam-support", "person", Role.SUPPORT)
FINANCE = _demo("fiona-finance", "person", Role.FINANCE)
FINANCE_2 = _demo("felix-finance", "person", Role.FINANCE)
FINANCE_LEAD = _demo("lena-finance-lead", "person", Role.FINANCE_LEAD)
COMPLIANCE = _demo("carla-compliance", "person", Role.COMPLIANCE)
AUDITOR = _demo("ana-auditor", "person", Role.AUDITOR)
ADMIN = _demo("adam-admin", "person", Role.ADMIN, Role.SUPPORT, Role.FINANCE, Role.COMPLIANCE,
              Role.AUDITOR)
EVERYONE = (PLATFORM, SUPPORT, FINANCE, FINANCE_2, FINANCE_LEAD, COMPLIANCE, AUDITOR, ADMIN)
PLATFORM_TOKEN = PLATFORM.token


def seed(conn: psycopg.Connection[Any]) -> None:
    """Create every demo operator and its token (a database without them)."""
    directory = Directory(conn)
    for demo in EVERYONE:
        operator = directory.create(demo.name, demo.kind, demo.roles,
                                    email=f"{demo.name}@example.test", created_by="devkit")
        directory.issue_token(operator, "devkit", timedelta(days=3650), secret=demo.token)
    conn.commit()
