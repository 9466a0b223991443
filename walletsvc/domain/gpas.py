"""The operations GPAS calls, in plain Python around the atomic store scripts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from walletsvc.clock import Clock
from walletsvc.config import Config
from walletsvc.domain.games import Game, GamesCatalogue
from walletsvc.domain.protection.service import Protection
from walletsvc.domain.tokens import TokenVerifier
from walletsvc.errors import InvalidAmount, InvalidWalletId, ProtectionRefusal, WalletError
from walletsvc.models import Applied, Balance, MovementRequest, MovementTerms, SessionOwner
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
class Moved:
    """A movement as the store applied it (or replayed it), in the wallet's currency."""

    applied: Applied
    currency: str


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
                 games: GamesCatalogue, currencies: Currencies, protection: Protection) -> None:
        self._config = config
        self._protection = protection
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
        timeouts = (self._config.session_idle_seconds * 1000,
                    self._config.session_max_seconds * 1000)
        try:
            session_id = self._store.open_session(token, wallet_id, parent_system, now, timeouts,
                                                  self._protection.required)
        except ProtectionRefusal as refused:
            raise self._protection.answer(refused, "") from None
        return OpenedSession(session_id, wallet_id, now)

    def balance(self, parent_system: str, session_id: str) -> tuple[Balance, str]:
        """Return the balance and currency of the session's wallet."""
        owner = self._store.session_owner(session_id)
        return self._store.balance(session_id, owner, parent_system, self._clock()), owner.currency

    def move(self, request: MovementRequest) -> Moved:
        """Apply a debit, credit or rollback exactly once: session first, then business rules."""
        owner = self._store.session_owner(request.session_id)
        terms = self._terms(request, owner)
        try:
            return Moved(self._store.apply(request, owner, terms), owner.currency)
        except ProtectionRefusal as refused:
            raise self._protection.answer(refused, owner.currency) from None

    def close(self, parent_system: str, session_id: str) -> None:
        """Close an active session."""
        self._store.close_session(session_id, parent_system, self._clock(), self._late_ms)

    def _terms(self, request: MovementRequest, owner: SessionOwner) -> MovementTerms:
        """Judge the request's amount and game; a refusal is carried for the script to answer."""
        amount, game, refusal = 0, Game("", "", ""), None
        if request.kind != "rollback":
            try:
                amount = self._minor_units(request, owner.currency)
                game = self._games.resolve(_game_id(request.tags))
            except WalletError as refused:
                refusal = refused
        parts = (request.reverses,) if request.kind == "rollback" else ()
        now = self._clock()
        return MovementTerms(
            amount=amount, game_id=game.game_id, provider_code=game.provider_code,
            fingerprint=fingerprint(request.kind, request.session_id, *parts, request.raw_body),
            now_ms=now, late_ms=self._late_ms, replay=self._replay, refusal=refusal,
            periods=self._protection.periods(now))

    def _minor_units(self, request: MovementRequest, currency: str) -> int:
        try:
            amount = to_minor(request.value, self._currencies.scale(currency))
        except AmountError as exc:
            raise InvalidAmount(f"value {exc}") from None
        if request.kind == "debit" and amount == 0:
            raise InvalidAmount("a debit must be greater than zero")
        return amount


def _game_id(tags: dict[str, Any] | Any) -> str | None:
    game_id = tags.get("gameid")
    return None if game_id is None else str(game_id)
