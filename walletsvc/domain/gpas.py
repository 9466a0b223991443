"""The operations GPAS calls, in plain Python around the atomic store scripts."""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import simplejson

from walletsvc.config import Config
from walletsvc.domain.clock import Clock, utc_day
from walletsvc.domain.games import GamesCatalogue
from walletsvc.domain.tokens import TokenVerifier
from walletsvc.errors import InvalidAmount, InvalidWalletId
from walletsvc.models import Applied, Balance, Movement, MovementKind, Rollback
from walletsvc.money import AmountError, Currencies, to_minor
from walletsvc.store import WalletStore

# "." and ".." are excluded: as URL path segments they would name another admin route.
WALLET_ID = re.compile(r"(?!\.{1,2}\Z)[A-Za-z0-9_.-]{1,64}")


@dataclass(frozen=True)
class OpenedSession:
    """A session just opened."""

    session_id: str
    wallet_id: str
    created_ms: int


@dataclass(frozen=True)
class MovementRequest:
    """A debit, credit or rollback as GPAS sent it (after schema validation)."""

    session_id: str
    reference: str
    description: str
    tags: dict[str, Any]
    raw_body: bytes
    value: Decimal = Decimal(0)
    type_code: str = ""


def fingerprint(*parts: str | bytes) -> str:
    """Identify a request for idempotent replay: same kind, session and body."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class GpasWallet:
    """Sessions, balance, debit, credit, rollback and close, as GPAS sees them."""

    def __init__(self, config: Config, store: WalletStore, clock: Clock,
                 games: GamesCatalogue, currencies: Currencies) -> None:
        self._config = config
        self._store = store
        self._clock = clock
        self._games = games
        self._currencies = currencies
        self._tokens = TokenVerifier(config.jwt_algorithm, config.jwt_key)
        self._late_ms = config.late_settlement_seconds * 1000
        self._replay = config.duplicate_reply == "replay"

    def open_session(self, parent_system: str, wallet_id: str, auth_token: str) -> OpenedSession:
        """Open a session on ``wallet_id`` with a launch token bound to it."""
        now = self._clock()
        token = self._tokens.verify(auth_token, wallet_id, now)
        if not WALLET_ID.fullmatch(wallet_id):
            raise InvalidWalletId()
        timeouts = (self._config.idle_timeout_seconds * 1000,
                    self._config.session_max_seconds * 1000)
        session_id = self._store.open_session(token, wallet_id, parent_system, now, timeouts)
        return OpenedSession(session_id, wallet_id, now)

    def balance(self, parent_system: str, session_id: str) -> tuple[Balance, str]:
        """Return the balance and currency of the session's wallet."""
        currency = self._store.session_owner(session_id).currency
        return self._store.balance(session_id, parent_system, self._clock()), currency

    def move(self, parent_system: str, kind: MovementKind, req: MovementRequest
             ) -> tuple[Applied, str]:
        """Apply a debit or credit; return the outcome and the wallet's currency."""
        currency = self._store.session_owner(req.session_id).currency
        amount = self._minor_units(req.value, currency)
        if kind == "debit" and amount == 0:
            raise InvalidAmount("a debit must be greater than zero")
        game = self._games.resolve(_game_id(req.tags))
        movement = Movement(
            kind=kind, session_id=req.session_id, parent_system=parent_system,
            reference=req.reference, amount=amount, type_code=req.type_code,
            description=req.description, tags_json=_tags_json(req.tags), game_id=game.game_id,
            provider_code=game.provider_code,
            fingerprint=fingerprint(kind, req.session_id, req.raw_body),
        )
        now = self._clock()
        applied = self._store.apply_movement(
            movement, _new_movement_id(), now, self._late_ms, self._replay, utc_day(now))
        return applied, currency

    def rollback(self, parent_system: str, reversed_reference: str, req: MovementRequest
                 ) -> tuple[Applied, str]:
        """Reverse the whole movement GPAS registered as ``reversed_reference``."""
        currency = self._store.session_owner(req.session_id).currency
        rollback = Rollback(
            session_id=req.session_id, parent_system=parent_system, reference=req.reference,
            reversed_reference=reversed_reference, description=req.description,
            tags_json=_tags_json(req.tags),
            fingerprint=fingerprint("rollback", req.session_id, reversed_reference, req.raw_body),
        )
        now = self._clock()
        applied = self._store.apply_rollback(
            rollback, _new_movement_id(), now, self._late_ms, self._replay, utc_day(now))
        return applied, currency

    def close(self, parent_system: str, session_id: str) -> None:
        """Close an active session."""
        self._store.close_session(session_id, parent_system, self._clock(), self._late_ms)

    def _minor_units(self, value: Decimal, currency: str) -> int:
        try:
            return to_minor(value, self._currencies.scale(currency))
        except AmountError as exc:
            raise InvalidAmount(f"value {exc}") from None


def _game_id(tags: dict[str, Any]) -> str | None:
    game_id = tags.get("gameid")
    return None if game_id is None else str(game_id)


def _tags_json(tags: dict[str, Any]) -> str:
    return simplejson.dumps(tags, separators=(",", ":"), use_decimal=True, ensure_ascii=False)


def _new_movement_id() -> str:
    return str(uuid.uuid4())
