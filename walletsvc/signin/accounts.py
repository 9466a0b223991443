"""What sign-in keeps of each operator beside the directory (migration 0004): the TOTP step last
used, the generation that ends older sessions, and the link to the identity provider."""

from __future__ import annotations

from typing import Any

import psycopg

from walletsvc.access.directory import Directory, Operator


class Accounts:
    """Sign-in's columns of the operators table, over the caller's connection (it commits)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def use_totp_step(self, operator: Operator, step: int) -> bool:
        """Record that a code of TOTP time step ``step`` signed ``operator`` in; return False
        if a code of that step, or of a later one, already did (a replay)."""
        row = self.conn.execute(
            "UPDATE operators SET totp_last_step = %s WHERE id = %s"
            " AND (totp_last_step IS NULL OR totp_last_step < %s) RETURNING id",
            (step, operator.id, step)).fetchone()
        return row is not None

    def session_generation(self, operator_id: str) -> int | None:
        """Return the operator's session generation (None: no such operator)."""
        row = self.conn.execute("SELECT session_generation FROM operators WHERE id = %s",
                                (operator_id,)).fetchone()
        return int(row[0]) if row else None

    def end_sessions(self, operator: Operator) -> None:
        """End every session the operator has signed in with so far, wherever it is."""
        self.conn.execute(
            "UPDATE operators SET session_generation = session_generation + 1 WHERE id = %s",
            (operator.id,))

    def linkable_by_email(self, email: str) -> Operator | None:
        """Return the one person with this email who is enabled and not yet linked to an
        identity provider's subject (None if there is none, or several)."""
        rows = self.conn.execute(
            "SELECT id FROM operators WHERE lower(email) = lower(%s) AND kind = 'person'"
            " AND oidc_subject IS NULL AND disabled_at IS NULL", (email,)).fetchall()
        return Directory(self.conn).get(rows[0][0]) if len(rows) == 1 else None

    def link_subject(self, operator: Operator, subject: str) -> Operator | None:
        """Link an operator not yet linked to ``subject``; return it (None if it was linked
        meanwhile)."""
        row = self.conn.execute(
            "UPDATE operators SET oidc_subject = %s WHERE id = %s AND oidc_subject IS NULL"
            " RETURNING id", (subject, operator.id)).fetchone()
        return Directory(self.conn).get(operator.id) if row else None
