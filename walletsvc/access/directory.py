"""The operators' directory in PostgreSQL: who they are, their roles, their API tokens.

An API token is ``wso_`` and 43 random characters (256 bits); only its SHA-256 is stored, which
is enough for a secret that long (a slow hash protects guessable passwords, not random keys).
It has a name, an expiry and can be revoked; using it records when it was last used.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import psycopg

from walletsvc.access.roles import SERVICE_ONLY, Role
from walletsvc.errors import OperatorConflict

Kind = Literal["person", "service"]
TOKEN_PREFIX = "wso_"  # noqa: S105
_OPERATOR_COLUMNS = ("id, name, email, kind, roles, oidc_subject, disabled_at,"
                     " password_hash IS NOT NULL, created_at")




@dataclass(frozen=True)
class Operator:
    """Someone (or something) that uses the operator's side."""

    id: str
    name: str
    email: str | None
    kind: Kind
    roles: frozenset[Role]
    oidc_subject: str | None = None
    disabled: bool = False
    local: bool = False  # signs in with a password and TOTP
    created_at: datetime | None = None

    def holds(self, roles: Iterable[Role]) -> bool:
        """Tell whether the operator holds any of ``roles``."""
        return bool(self.roles & frozenset(roles))


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed: never its secret."""

    id: str
    operator_id: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked: bool
    last_used_at: datetime | None


def token_hash(token: str) -> bytes:
    """Return what the directory stores of a token."""
    return hashlib.sha256(token.encode()).digest()


def _operator(row: tuple[Any, ...]) -> Operator:
    return Operator(id=row[0], name=row[1], email=row[2], kind=row[3],
                    roles=frozenset(Role(r) for r in row[4] if r in Role.__members__.values()),
                    oidc_subject=row[5], disabled=row[6] is not None, local=bool(row[7]),
                    created_at=row[8])


class Directory:
    """Reads and changes operators and tokens over one connection (the caller commits)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    # Operators ---------------------------------------------------------------------------

    def create(self, name: str, kind: Kind, roles: frozenset[Role], email: str | None = None,
               created_by: str | None = None, oidc_subject: str | None = None) -> Operator:
        """Add an operator; raise OperatorConflict if the name is taken or a role does not fit."""
        if kind == "person" and roles & SERVICE_ONLY:
            raise OperatorConflict(f"a person cannot hold {', '.join(sorted(SERVICE_ONLY))}")
        if self.by_name(name) is not None:
            raise OperatorConflict(f"an operator named {name!r} exists")
        operator_id = f"op_{uuid.uuid4().hex[:16]}"
        self.conn.execute(
            "INSERT INTO operators (id, name, email, kind, roles, created_by, oidc_subject)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (operator_id, name, email, kind, sorted(roles), created_by, oidc_subject))
        found = self.get(operator_id)
        assert found is not None
        return found

    def get(self, operator_id: str) -> Operator | None:
        """Return an operator by id."""
        row = self.conn.execute(f"SELECT {_OPERATOR_COLUMNS} FROM operators WHERE id = %s",  # noqa: S608
                                (operator_id,)).fetchone()
        return _operator(row) if row else None

    def by_name(self, name: str) -> Operator | None:
        """Return an operator by name."""
        row = self.conn.execute(f"SELECT {_OPERATOR_COLUMNS} FROM operators WHERE name = %s",  # noqa: S608
                                (name,)).fetchone()
        return _operator(row) if row else None

    def by_subject(self, subject: str) -> Operator | None:
        """Return the operator an identity provider's subject ("issuer|sub") belongs to."""
        row = self.conn.execute(
            f"SELECT {_OPERATOR_COLUMNS} FROM operators WHERE oidc_subject = %s",  # noqa: S608
            (subject,)).fetchone()
        return _operator(row) if row else None

    def all(self) -> list[Operator]:
        """Return every operator, by name."""
        rows = self.conn.execute(f"SELECT {_OPERATOR_COLUMNS} FROM operators ORDER BY name")  # noqa: S608
        return [_operator(row) for row in rows]

    def count(self) -> int:
        """Return how many operators there are."""
        row = self.conn.execute("SELECT count(*) FROM operators").fetchone()
        return int(row[0]) if row else 0

    def set_roles(self, operator: Operator, roles: frozenset[Role]) -> Operator:
        """Replace an operator's roles."""
        if operator.kind == "person" and roles & SERVICE_ONLY:
            raise OperatorConflict(f"a person cannot hold {', '.join(sorted(SERVICE_ONLY))}")
        self.conn.execute("UPDATE operators SET roles = %s WHERE id = %s",
                          (sorted(roles), operator.id))
        changed = self.get(operator.id)
        assert changed is not None
        return changed

    def set_disabled(self, operator: Operator, disabled: bool) -> Operator:
        """Disable an operator (no sign-in, no token works) or enable them again."""
        self.conn.execute(
            "UPDATE operators SET disabled_at = CASE WHEN %s THEN now() END WHERE id = %s",
            (disabled, operator.id))
        changed = self.get(operator.id)
        assert changed is not None
        return changed

    def set_password(self, operator: Operator, password_hash: str, totp_secret: str) -> None:
        """Give an operator a local sign-in: an argon2 hash and a TOTP secret."""
        self.conn.execute(
            "UPDATE operators SET password_hash = %s, totp_secret = %s WHERE id = %s",
            (password_hash, totp_secret, operator.id))

    def local_credentials(self, name: str) -> tuple[Operator, str, str] | None:
        """Return an operator with a local sign-in, its password hash and TOTP secret."""
        row = self.conn.execute(
            f"SELECT {_OPERATOR_COLUMNS}, password_hash, totp_secret FROM operators"  # noqa: S608
            " WHERE name = %s AND password_hash IS NOT NULL", (name,)).fetchone()
        return (_operator(row[:9]), row[9], row[10]) if row else None

    # Tokens ------------------------------------------------------------------------------

    def issue_token(self, operator: Operator, name: str, lifetime: timedelta,
                    secret: str | None = None) -> tuple[str, TokenInfo]:
        """Make an API token for ``operator``; return its secret (shown once) and its entry.

        ``secret`` is for fixed development tokens (devkit); production draws a new one."""
        token = secret or TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = f"tok_{uuid.uuid4().hex[:16]}"
        expires = datetime.now(UTC) + lifetime
        self.conn.execute(
            "INSERT INTO operator_tokens (id, operator_id, name, token_hash, expires_at)"
            " VALUES (%s, %s, %s, %s, %s)", (token_id, operator.id, name, token_hash(token),
                                             expires))
        info = self.token(token_id)
        assert info is not None
        return token, info

    def token(self, token_id: str) -> TokenInfo | None:
        """Return a token's entry."""
        row = self.conn.execute(
            "SELECT id, operator_id, name, created_at, expires_at, revoked_at IS NOT NULL,"
            " last_used_at FROM operator_tokens WHERE id = %s", (token_id,)).fetchone()
        return TokenInfo(*row) if row else None

    def tokens(self, operator: Operator) -> list[TokenInfo]:
        """Return an operator's tokens, newest first."""
        rows = self.conn.execute(
            "SELECT id, operator_id, name, created_at, expires_at, revoked_at IS NOT NULL,"
            " last_used_at FROM operator_tokens WHERE operator_id = %s"
            " ORDER BY created_at DESC", (operator.id,))
        return [TokenInfo(*row) for row in rows]

    def revoke_token(self, token_id: str) -> TokenInfo | None:
        """Revoke a token; return its entry (None if there is no such token)."""
        self.conn.execute(
            "UPDATE operator_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s",
            (token_id,))
        return self.token(token_id)

    def authenticate(self, token: str) -> Operator | None:
        """Return the operator a live token belongs to (not expired, revoked or disabled)."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        row = self.conn.execute(
            "UPDATE operator_tokens t SET last_used_at = now() FROM operators o"  # noqa: S608
            " WHERE t.token_hash = %s AND t.operator_id = o.id AND t.revoked_at IS NULL"
            " AND t.expires_at > now() AND o.disabled_at IS NULL"
            f" RETURNING {', '.join('o.' + c.strip() for c in _OPERATOR_COLUMNS.split(','))}",
            (token_hash(token),)).fetchone()
        return _operator(row) if row else None
