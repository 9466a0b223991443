"""Operators, their tokens and the audit log as the admin API and the CLI show them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from walletsvc.access.audit_log import Recorded, Verification
from walletsvc.access.directory import Operator, TokenInfo


def _moment(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def operator_view(operator: Operator) -> dict[str, Any]:
    """Return an operator."""
    return {"operatorId": operator.id, "name": operator.name, "kind": operator.kind.upper(),
            "roles": sorted(operator.roles), "email": operator.email,
            "oidcSubject": operator.oidc_subject, "localSignIn": operator.local,
            "disabled": operator.disabled, "created": _moment(operator.created_at)}


def api_token_view(token: TokenInfo, secret: str | None = None) -> dict[str, Any]:
    """Return a token's entry, with its secret when it was just made."""
    view = {"tokenId": token.id, "operatorId": token.operator_id, "name": token.name,
            "created": _moment(token.created_at), "expires": _moment(token.expires_at),
            "revoked": token.revoked, "lastUsed": _moment(token.last_used_at)}
    if secret is not None:
        view["token"] = secret
    return view


def audit_entry_view(recorded: Recorded) -> dict[str, Any]:
    """Return one audit entry, flat (a CSV row as much as a JSON object)."""
    entry = recorded.entry
    return {"seq": recorded.seq, "at": _moment(entry.at), "actor": entry.actor,
            "actorName": entry.actor_name, "roles": " ".join(entry.roles),
            "address": entry.address, "requestId": entry.request_id, "action": entry.action,
            "target": entry.target, "outcome": entry.outcome, "reason": entry.reason,
            "before": _json(entry.before), "after": _json(entry.after), "hash": recorded.hash}


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


def verification_view(found: Verification) -> dict[str, Any]:
    """Return what a walk of the chain found."""
    return {"entries": found.entries, "headSeq": found.head[0], "headHash": found.head[1],
            "ok": found.ok, "problems": found.problems}
