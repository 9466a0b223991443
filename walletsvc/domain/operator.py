"""The operator's own actions on wallets, shared by the admin API and the CLI."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from walletsvc.clock import Clock
from walletsvc.config import Config
from walletsvc.domain.gpas import WALLET_ID, fingerprint
from walletsvc.domain.protection.service import Protection
from walletsvc.errors import (
    CurrencyError,
    InvalidAmount,
    InvalidRequest,
    ProtectionRefusal,
    ResourceNotFound,
)
from walletsvc.models import AdjustmentKind, Applied, AuditEntry, Page, SubWallet, Wallet
from walletsvc.money import AmountError, Currencies, to_minor
from walletsvc.store import AuditTrail, WalletStore

MAX_PAGE = 200
# A stream entry id, two unsigned 64-bit parts. Checked here, not only in the API schema:
# the CLI passes cursors straight through, and Redis fails on ids it cannot hold.
_CURSOR = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
_MAX_ID_PART = 2**64 - 1


@dataclass(frozen=True)
class IssuedToken:
    """An opaque launch token and when it stops working."""

    token: str
    wallet_id: str
    expires_ms: int


@dataclass(frozen=True)
class SessionStory:
    """A session's record, its status (OPEN, CLOSE or EXPIRED) and its audit entries.

    ``rolled_back_by`` links each movement of the session that was reversed to the reference of
    the rollback (which may have come in another session of the wallet); ``expired_ms`` is when
    an expired session stopped being usable.
    """

    session_id: str
    record: dict[str, str]
    status: str
    entries: list[AuditEntry]
    rolled_back_by: dict[str, str] = field(default_factory=dict)
    expired_ms: int | None = None


class Operator:
    """Create and fund wallets, block players, issue launch tokens, read the audit trail."""

    def __init__(self, config: Config, store: WalletStore, audit: AuditTrail, clock: Clock,
                 currencies: Currencies, protection: Protection) -> None:
        self._config = config
        self._protection = protection
        self._store = store
        self._audit = audit
        self._clock = clock
        self._currencies = currencies

    def create_wallet(self, player_id: str, currency: str, wallet_id: str | None) -> Wallet:
        """Create an empty wallet in ``currency``."""
        if currency not in self._currencies:
            raise CurrencyError(f"{currency} is not configured")
        wallet_id = wallet_id or uuid.uuid4().hex
        if not WALLET_ID.fullmatch(wallet_id):
            raise InvalidRequest(
                "walletId may hold 1 to 64 letters, digits, '.', '_' or '-', and is not . or ..")
        self._store.create_wallet(wallet_id, player_id, currency, self._clock())
        return self.wallet(wallet_id)

    def wallet(self, wallet_id: str) -> Wallet:
        """Return the wallet or raise ResourceNotFound."""
        wallet = self._store.wallet(wallet_id)
        if wallet is None:
            raise ResourceNotFound("no such wallet")
        return wallet

    def adjust(self, wallet_id: str, kind: AdjustmentKind, amount: Decimal,
               sub_wallet: SubWallet, reference: str) -> tuple[Applied, Wallet]:
        """Deposit to or withdraw from a sub-wallet, once per reference."""
        wallet = self.wallet(wallet_id)
        try:
            minor = to_minor(amount, self._currencies.scale(wallet.currency))
        except AmountError as exc:
            raise InvalidAmount(f"amount {exc}") from None
        if minor == 0:
            raise InvalidAmount("amount must be greater than zero")
        now = self._clock()
        try:
            applied = self._store.adjust(
                wallet_id, kind, sub_wallet, minor, reference,
                fingerprint(kind, sub_wallet, str(minor)), uuid.uuid4().hex, now,
                self._protection.periods(now))
        except ProtectionRefusal as refused:
            raise self._protection.answer(refused, wallet.currency) from None
        return applied, self.wallet(wallet_id)

    def adjusted(self, wallet_id: str, reference: str) -> str | None:
        """Return the movement id of the deposit or withdrawal applied under ``reference``."""
        return self._store.adjustment_movement(wallet_id, reference)

    def set_blocked(self, wallet_id: str, blocked: bool) -> Wallet:
        """Block or unblock a player's wallet."""
        self._store.set_blocked(wallet_id, blocked, self._clock())
        return self.wallet(wallet_id)

    def issue_launch_token(self, wallet_id: str, ttl_seconds: int | None) -> IssuedToken:
        """Issue a single-use opaque launch token for an existing wallet."""
        self.wallet(wallet_id)
        ttl_ms = (ttl_seconds or self._config.launch_token_ttl_seconds) * 1000
        now = self._clock()
        token = self._store.issue_launch_token(wallet_id, ttl_ms)
        return IssuedToken(token, wallet_id, now + ttl_ms)

    def sessions(self, wallet_id: str, limit: int) -> list[SessionStory]:
        """Return the wallet's sessions, newest first, without their entries."""
        self.wallet(wallet_id)
        ids = self._audit.wallet_sessions(wallet_id, min(limit, MAX_PAGE))
        return [self._story(sid, with_entries=False) for sid in ids]

    def session(self, session_id: str) -> SessionStory:
        """Return a session with all its audit entries, or raise ResourceNotFound."""
        return self._story(session_id, with_entries=True)

    def movements(self, wallet_id: str, cursor: str | None, limit: int) -> tuple[Page, str]:
        """Return a page of the wallet's movements, newest first, and the wallet's currency."""
        currency = self.wallet(wallet_id).currency
        if cursor is not None and _checked_cursor(cursor) == (0, 0):
            return Page([], None), currency  # nothing is older than the first possible id
        return self._audit.wallet_entries(wallet_id, cursor, min(limit, MAX_PAGE)), currency

    def trim_audit(self) -> tuple[int, int]:
        """Drop audit entries older than the retention period; return (wallets, entries)."""
        older_than = self._clock() - self._config.retention_ms
        return self._audit.trim_audit(older_than, self._config.session_max_seconds * 1000)

    def _story(self, session_id: str, with_entries: bool) -> SessionStory:
        record = self._audit.session_record(session_id)
        if not record:
            raise ResourceNotFound("no such session")
        status = self._status(session_id, record)
        if not with_entries:
            return SessionStory(session_id, record, status, [])
        entries = self._audit.session_entries(session_id)
        movements = [e.fields["ref"] for e in entries if e.fields["event"] in ("debit", "credit")]
        links = self._audit.rollbacks_of(record["wallet"], record["ps"], movements)
        expired = _ends_ms(record) if status == "EXPIRED" else None
        return SessionStory(session_id, record, status, entries, links, expired)

    def _status(self, session_id: str, record: dict[str, str]) -> str:
        """Apply the rule the scripts apply: open while the live key and both timeouts say so."""
        if record["status"] == "CLOSE":
            return "CLOSE"
        live = self._clock() < _ends_ms(record) and self._audit.session_is_live(session_id)
        return "OPEN" if live else "EXPIRED"


def _ends_ms(record: dict[str, str]) -> int:
    """Return when an open session times out: idle timeout or absolute limit, the earlier."""
    return min(int(record["last"]) + int(record["idle"]), int(record["abs"]))


def _checked_cursor(cursor: str) -> tuple[int, int]:
    """Return the two parts of a page cursor, or raise InvalidRequest."""
    match = _CURSOR.fullmatch(cursor)
    parts = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not all(0 <= part <= _MAX_ID_PART for part in parts):
        raise InvalidRequest("cursor must be the nextCursor of a previous page")
    return parts
