"""The rules of managing operators, the same for the admin API and the CLI.

- Only an admin manages operators, and grants only roles they hold themselves; ``platform``
  goes to service accounts only (no person holds it), granted by any admin.
- No one changes their own roles or disables themselves: another admin does.
- A person's API tokens live at most ``MAX_TOKEN_DAYS``; anyone may make their own, an admin
  makes a service account's.
"""

from __future__ import annotations

from datetime import timedelta

from walletsvc.access.directory import Directory, Kind, Operator, TokenInfo
from walletsvc.access.roles import SERVICE_ONLY, Role
from walletsvc.errors import OperatorChangeRefused, OperatorConflict

MAX_TOKEN_DAYS = 366




class OperatorAdmin:
    """Changes to operators made by ``actor``, checked against the rules above."""

    def __init__(self, directory: Directory, actor: Operator) -> None:
        self.directory = directory
        self.actor = actor

    def _check_grant(self, roles: frozenset[Role]) -> None:
        if Role.ADMIN not in self.actor.roles:
            raise OperatorChangeRefused("only an admin manages operators")
        beyond = roles - self.actor.roles - SERVICE_ONLY
        if beyond:
            raise OperatorChangeRefused(
                f"you cannot grant roles you do not hold: {', '.join(sorted(beyond))}")

    def create(self, name: str, kind: Kind, roles: frozenset[Role], email: str | None,
               oidc_subject: str | None) -> Operator:
        """Add an operator with ``roles``."""
        self._check_grant(roles)
        return self.directory.create(name, kind, roles, email, self.actor.id, oidc_subject)

    def set_roles(self, target: Operator, roles: frozenset[Role]) -> Operator:
        """Replace ``target``'s roles: what is added and what is taken away must be roles the
        actor holds."""
        if target.id == self.actor.id:
            raise OperatorChangeRefused("another admin changes your roles")
        self._check_grant(roles ^ target.roles)
        return self.directory.set_roles(target, roles)

    def set_disabled(self, target: Operator, disabled: bool) -> Operator:
        """Disable or enable ``target``."""
        if Role.ADMIN not in self.actor.roles:
            raise OperatorChangeRefused("only an admin manages operators")
        if target.id == self.actor.id:
            raise OperatorChangeRefused("another admin disables or enables you")
        return self.directory.set_disabled(target, disabled)

    def issue_token(self, target: Operator, name: str, days: int) -> tuple[str, TokenInfo]:
        """Make an API token for ``target`` (oneself, or a service account by an admin)."""
        if target.id != self.actor.id:
            if Role.ADMIN not in self.actor.roles:
                raise OperatorChangeRefused("only an admin makes tokens for someone else")
            if target.kind != "service":
                raise OperatorChangeRefused("a person makes their own tokens")
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise OperatorChangeRefused(f"a token lives 1 to {MAX_TOKEN_DAYS} days")
        return self.directory.issue_token(target, name, timedelta(days=days))

    def revoke_token(self, token_id: str) -> TokenInfo:
        """Revoke a token: one's own, or any by an admin."""
        token = self.directory.token(token_id)
        if token is None:
            raise OperatorConflict(f"no token {token_id}")
        if token.operator_id != self.actor.id and Role.ADMIN not in self.actor.roles:
            raise OperatorChangeRefused("only an admin revokes someone else's token")
        revoked = self.directory.revoke_token(token_id)
        assert revoked is not None
        return revoked


def bootstrap(directory: Directory, name: str, email: str | None, roles: frozenset[Role]
              ) -> tuple[Operator, str]:
    """Create the first admin, with a 30-day API token, on a directory without one."""
    if any(Role.ADMIN in operator.roles for operator in directory.all()):
        raise OperatorChangeRefused(
            "an admin exists: admins add operators (walletsvc operators add)")
    operator = directory.create(name, "person", roles | {Role.ADMIN}, email, "bootstrap")
    token, _ = directory.issue_token(operator, "bootstrap", timedelta(days=30))
    return operator, token
