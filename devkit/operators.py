"""The demo and test operators: one per role, each with a fixed API token.

``make run`` and the test suite's template database hold them (devkit/postgres.py), and so does
the benchmark's (bench/stack.py). The tokens are known to anyone who reads this file: they
belong to a development database only, never to one an installation uses.

``python -m devkit.operators URL`` applies the ledger's migrations to the database at ``URL``
and gives it the demo operators unless it has them (scripts/run-common.sh, which then prints
``sign_in_lines``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg

from walletsvc.access.directory import Directory, Kind
from walletsvc.access.roles import Role
from walletsvc.ledger.database import connect, migrate


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
# and the benchmark it also reads, blocks, sets limits and reads the reports.
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


def seed_once(conn: psycopg.Connection[Any]) -> bool:
    """Create the demo operators unless the platform's account exists; tell whether it did."""
    if Directory(conn).by_name(PLATFORM.name) is not None:
        return False
    seed(conn)
    return True


def prepare(url: str) -> bool:
    """Apply the ledger's migrations to the database at ``url``, then give it the demo
    operators once; tell whether they were added now."""
    with connect(url) as conn:
        migrate(conn)
        return seed_once(conn)


def sign_in_lines() -> list[str]:
    """Return one line per demo operator: name, kind, roles and token, in columns."""
    width = max(len(demo.name) for demo in EVERYONE)
    roles = {demo: ",".join(sorted(demo.roles)) for demo in EVERYONE}
    roles_width = max(len(text) for text in roles.values())
    return [f"{demo.name:<{width}}  {demo.kind:<7}  {roles[demo]:<{roles_width}}  {demo.token}"
            for demo in EVERYONE]


def main(argv: list[str]) -> None:
    """Prepare the database at ``argv[0]`` (see the module); say whether operators were added."""
    added = prepare(argv[0])
    print(f"demo operators {'added' if added else 'already there'} (devkit/operators.py)")


if __name__ == "__main__":
    main(sys.argv[1:])
