"""Plain records passed between the store, the domain and the API (amounts in minor units)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from walletsvc.errors import WalletError

MovementKind = Literal["debit", "credit", "rollback"]
AdjustmentKind = Literal["deposit", "withdrawal"]
SubWallet = Literal["real", "bonus"]
SUB_WALLETS: dict[str, SubWallet] = {"REAL": "real", "BONUS": "bonus"}


@dataclass(frozen=True)
class Balance:
    """A wallet's two sub-wallets."""

    real: int
    bonus: int

    @property
    def total(self) -> int:
        """Return REAL plus BONUS."""
        return self.real + self.bonus


@dataclass(frozen=True)
class Wallet:
    """A stored wallet."""

    wallet_id: str
    player_id: str
    currency: str
    balance: Balance
    blocked: bool
    created_ms: int


@dataclass(frozen=True)
class LaunchToken:
    """A verified launch token: an opaque token, or the id of a portal JWT and its lifetime."""

    kind: Literal["opaque", "jwt"]
    value: str
    ttl_ms: int = 0


@dataclass(frozen=True)
class SessionOwner:
    """What a session id resolves to; fixed for the session's life, so it may be cached."""

    wallet_id: str
    currency: str


@dataclass(frozen=True)
class MovementRequest:
    """A debit, credit or rollback as GPAS sent it, once its query and body passed the schemas.

    ``raw_body`` is the body exactly as received (the fingerprint of an identical repeat);
    a rollback has no value and names the movement it reverses in ``reverses``.
    """

    kind: MovementKind
    session_id: str
    parent_system: str
    reference: str
    description: str
    tags: Mapping[str, Any]
    raw_body: bytes
    value: Decimal = Decimal(0)
    type_code: str = ""
    reverses: str = ""


@dataclass(frozen=True)
class MovementTerms:
    """What the wallet decided about a request before the store applies it.

    ``refusal`` is a business rule's verdict (amount, game): the store's script answers it only
    once the session has passed, so a closed session is 1004 whatever the request holds.
    """

    amount: int
    game_id: str
    provider_code: str
    fingerprint: str
    now_ms: int
    late_ms: int
    replay: bool
    refusal: WalletError | None = None
    # The player-protection periods running now (d0 d1 w0 w1 m0 m1, store/lua/protection.lua).
    periods: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Applied:
    """The outcome of a movement, an adjustment or an identical repeat of one."""

    movement_id: str
    balance: Balance
    bonus_part: int
    replayed: bool
    amount: int


@dataclass(frozen=True)
class AuditEntry:
    """One audit stream entry: its stream id and its fields."""

    entry_id: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """A page of audit entries, newest first, and the cursor of the next page."""

    entries: list[AuditEntry]
    next_cursor: str | None
