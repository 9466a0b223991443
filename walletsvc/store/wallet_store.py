"""WalletStore: the only code that talks to Redis."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, cast

from walletsvc import errors
from walletsvc.models import (
    AdjustmentKind,
    Applied,
    AuditEntry,
    Balance,
    LaunchToken,
    Movement,
    Page,
    Rollback,
    SessionOwner,
    SubWallet,
    Wallet,
)
from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import Acknowledgement, ReplicatedWrites
from walletsvc.store.scripts import Scripts

# Script statuses and the domain errors they stand for.
_REFUSALS: dict[str, type[errors.WalletError]] = {
    "INVALID_WALLET_SESSION": errors.InvalidWalletSession,
    "INVALID_WALLET_ID": errors.InvalidWalletId,
    "INVALID_AUTH_TOKEN": errors.InvalidAuthToken,
    "INVALID_TX_ID": errors.InvalidTransactionId,
    "DUPLICATE_TX_ID": errors.DuplicateTransactionId,
    "INSUFFICIENT_FUNDS": errors.InsufficientFunds,
    "USER_BLOCKED": errors.UserBlocked,
    "INVALID_AMOUNT": errors.InvalidAmount,
    "NOT_FOUND": errors.NotFound,
    "CONFLICT": errors.Conflict,
}
_OWNER_CACHE_SIZE = 100_000


def _text_map(raw: Any) -> dict[str, str]:
    """Type a hash reply: the client decodes every reply to text."""
    return cast(dict[str, str], raw)


def _entries(rows: Any) -> list[AuditEntry]:
    """Type a stream range reply as audit entries."""
    return [AuditEntry(entry_id, fields) for entry_id, fields in cast(list[Any], rows)]


def _live_index(session_id: str) -> str:
    return keys.live_sessions(keys.session_shard(session_id))


def _checked(reply: Sequence[Any]) -> Sequence[Any]:
    """Return a script's reply, or raise the domain error its status names."""
    if reply[0] != "OK":
        raise _REFUSALS[reply[0]]()
    return reply


def _applied(reply: Sequence[Any], bonus_part: int, replayed: Any, amount: Any) -> Applied:
    return Applied(reply[1], Balance(int(reply[2]), int(reply[3])), int(bonus_part),
                   replayed == 1, int(amount))


class WalletStore:
    """Wallets, sessions, movements and their audit trail in Redis."""

    def __init__(self, redis: RedisClient, retention_ms: int, cluster: bool = False,
                 acknowledgement: Acknowledgement | None = None) -> None:
        self.redis = redis
        self._cluster = cluster
        # Every write, scripts and plain commands alike, goes through here to wait for replicas.
        self._writes = ReplicatedWrites(redis, acknowledgement or Acknowledgement())
        self._scripts = Scripts.register(redis, self._writes)
        self._retention_ms = retention_ms
        self._owners: OrderedDict[str, SessionOwner] = OrderedDict()

    def ready(self) -> None:
        """Check that Redis answers and holds every script; raise RedisError if not."""
        self.redis.ping()
        self._scripts.ensure_loaded(self.redis)

    # Wallets -----------------------------------------------------------------------------

    def create_wallet(self, wallet_id: str, player_id: str, currency: str, now_ms: int) -> None:
        """Create an empty wallet; raise Conflict if the id is taken."""
        _checked(self._scripts.create_wallet(
            [keys.wallet(wallet_id)], [currency, player_id, now_ms]))

    def wallet(self, wallet_id: str) -> Wallet | None:
        """Return the wallet, or None."""
        w = _text_map(self.redis.hgetall(keys.wallet(wallet_id)))
        if not w:
            return None
        return Wallet(
            wallet_id=wallet_id,
            player_id=w["player"],
            currency=w["currency"],
            balance=Balance(int(w["real"]), int(w["bonus"])),
            blocked=w["blocked"] == "1",
            created_ms=int(w["created"]),
        )

    def set_blocked(self, wallet_id: str, blocked: bool) -> None:
        """Block or unblock a wallet; raise NotFound if there is none."""
        _checked(self._scripts.set_blocked([keys.wallet(wallet_id)], ["1" if blocked else "0"]))

    def adjust(
        self,
        wallet_id: str,
        kind: AdjustmentKind,
        sub_wallet: SubWallet,
        amount: int,
        reference: str,
        fingerprint: str,
        movement_id: str,
        now_ms: int,
    ) -> Applied:
        """Apply an operator deposit or withdrawal once per (wallet, reference)."""
        reply = _checked(
            self._scripts.adjust(
                [keys.wallet(wallet_id), keys.adjustment(wallet_id, reference),
                 keys.wallet_stream(wallet_id)],
                [kind, sub_wallet, amount, reference, now_ms, self._retention_ms, movement_id,
                 fingerprint],
            )
        )
        return _applied(reply, 0, reply[4], reply[5])

    # Launch tokens and sessions ----------------------------------------------------------

    def issue_launch_token(self, wallet_id: str, ttl_ms: int) -> str:
        """Create a random single-use launch token for the wallet, kept for ``ttl_ms``."""
        token = keys.wallet_shard(wallet_id) + secrets.token_urlsafe(32)
        key = keys.launch_token(token)
        self._writes.execute(key, "SET", key, wallet_id, "PX", ttl_ms)
        return token

    def open_session(self, token: LaunchToken, wallet_id: str, parent_system: str,
                     now_ms: int, timeouts_ms: tuple[int, int]) -> str:
        """Consume the launch token and open a session; return its id, or raise why not."""
        if token.kind == "opaque":
            self._check_token_shard(token.value, wallet_id)
            token_key = keys.launch_token(token.value)
        else:
            token_key = keys.used_jwt(wallet_id, token.value)
        session_id = keys.new_session_id(wallet_id)
        idle_ms, max_ms = timeouts_ms
        _checked(
            self._scripts.open_session(
                [token_key, keys.wallet(wallet_id), keys.session(session_id),
                 keys.live_session(session_id), keys.session_stream(session_id),
                 keys.wallet_sessions(wallet_id), _live_index(session_id)],
                [token.kind, now_ms, session_id, wallet_id, parent_system, idle_ms, max_ms,
                 self._retention_ms, max(token.ttl_ms, 1)],
            )
        )
        return session_id

    def _check_token_shard(self, token: str, wallet_id: str) -> None:
        """Refuse a token issued for another shard's wallet without touching that wallet."""
        if keys.token_shard(token) == keys.wallet_shard(wallet_id):
            return
        if keys.token_shard(token) is not None and self.redis.exists(keys.launch_token(token)):
            raise errors.InvalidWalletId()
        raise errors.InvalidAuthToken()

    def session_owner(self, session_id: str) -> SessionOwner:
        """Return the wallet of a session; raise InvalidWalletSession if unknown."""
        owner = self._owners.get(session_id)
        if owner is None:
            found = self.redis.hmget(keys.session(session_id), "wallet", "currency")
            wallet_id, currency = cast(list[str | None], found)
            if wallet_id is None or currency is None:
                raise errors.InvalidWalletSession()
            owner = SessionOwner(wallet_id, currency)
            self._owners[session_id] = owner
            if len(self._owners) > _OWNER_CACHE_SIZE:
                self._owners.popitem(last=False)
        return owner

    def balance(self, session_id: str, parent_system: str, now_ms: int) -> Balance:
        """Return the balance through an active session, refreshing its idle timeout."""
        wallet_id = self.session_owner(session_id).wallet_id
        reply = _checked(
            self._scripts.balance(
                [keys.wallet(wallet_id), keys.session(session_id), keys.live_session(session_id),
                 _live_index(session_id)],
                [now_ms, parent_system, wallet_id, session_id],
            )
        )
        return Balance(int(reply[1]), int(reply[2]))

    def close_session(self, session_id: str, parent_system: str, now_ms: int, late_ms: int) -> None:
        """Close an active session; raise InvalidWalletSession otherwise."""
        _checked(
            self._scripts.close_session(
                [keys.session(session_id), keys.live_session(session_id),
                 keys.session_stream(session_id), _live_index(session_id)],
                [now_ms, parent_system, late_ms, self._retention_ms, session_id],
            )
        )

    # Movements ---------------------------------------------------------------------------

    def apply_movement(
        self, m: Movement, movement_id: str, now_ms: int, late_ms: int, replay: bool, day: str
    ) -> Applied:
        """Apply a debit or credit exactly once, in one script call."""
        wallet_id = self.session_owner(m.session_id).wallet_id
        ps = m.parent_system
        owners = self._references(wallet_id, ps, (m.reference, errors.DuplicateTransactionId))
        reply = _checked(
            self._scripts.movement(
                [keys.wallet(wallet_id), keys.session(m.session_id),
                 keys.live_session(m.session_id), keys.movement(wallet_id, ps, m.reference),
                 keys.session_stream(m.session_id), keys.wallet_stream(wallet_id),
                 keys.reconciliation(keys.wallet_shard(wallet_id), day),
                 _live_index(m.session_id), *owners],
                [m.kind, now_ms, m.amount, ps, wallet_id, m.session_id, m.reference,
                 movement_id, m.fingerprint, "1" if replay else "0", late_ms,
                 self._retention_ms, m.type_code, m.description, m.tags_json, m.game_id,
                 m.provider_code],
            )
        )
        return _applied(reply, reply[4], reply[5], reply[6])

    def apply_rollback(
        self, r: Rollback, movement_id: str, now_ms: int, late_ms: int, replay: bool, day: str
    ) -> Applied:
        """Reverse a whole earlier movement exactly once, in one script call."""
        wallet_id = self.session_owner(r.session_id).wallet_id
        ps = r.parent_system
        owners = self._references(wallet_id, ps, (r.reference, errors.DuplicateTransactionId),
                                  (r.reversed_reference, errors.InvalidTransactionId))
        reply = _checked(
            self._scripts.rollback(
                [keys.wallet(wallet_id), keys.session(r.session_id),
                 keys.live_session(r.session_id), keys.movement(wallet_id, ps, r.reference),
                 keys.movement(wallet_id, ps, r.reversed_reference),
                 keys.session_stream(r.session_id), keys.wallet_stream(wallet_id),
                 keys.reconciliation(keys.wallet_shard(wallet_id), day),
                 _live_index(r.session_id), *owners],
                [now_ms, ps, wallet_id, r.session_id, r.reference, r.reversed_reference,
                 movement_id, r.fingerprint, "1" if replay else "0", late_ms,
                 self._retention_ms, r.description, r.tags_json],
            )
        )
        return _applied(reply, reply[4], reply[5], reply[6])

    def _references(self, wallet_id: str, parent_system: str,
                    *claims: tuple[str, type[errors.WalletError]]) -> list[str]:
        """Return the reference-directory keys for the script, or claim them on a cluster.

        On one node the script checks and writes the directory itself, in the same atomic step.
        On a cluster the directory lives in other slots, so each reference is claimed for this
        wallet first (SET NX); one already held by another wallet is refused with its error.
        A claim stays when the script then refuses the movement: the reference remains this
        wallet's, so a retry on this wallet is judged afresh and no other wallet can take it.
        """
        owner_keys = [keys.reference_owner(parent_system, ref) for ref, _ in claims]
        if not self._cluster:
            return owner_keys
        for key, (_, refusal) in zip(owner_keys, claims, strict=True):
            claimed = self._writes.execute(key, "SET", key, wallet_id, "NX", "PX",
                                           self._retention_ms)
            if not claimed and self.redis.get(key) != wallet_id:
                raise refusal()
        return []

    # Audit reading -----------------------------------------------------------------------

    def open_sessions(self, now_ms: int) -> int:
        """Count the sessions that are live now, across every shard (one pipelined batch)."""
        pipe = self.redis.pipeline(transaction=False)
        for shard in keys.SHARDS:
            pipe.zcount(keys.live_sessions(shard), f"({now_ms}", "+inf")
        return sum(int(count) for count in pipe.execute())

    def session_record(self, session_id: str) -> dict[str, str]:
        """Return the stored session record (empty if unknown or past retention)."""
        return _text_map(self.redis.hgetall(keys.session(session_id)))

    def session_is_live(self, session_id: str) -> bool:
        """Tell whether the session's live key still exists."""
        return bool(self.redis.exists(keys.live_session(session_id)))

    def session_entries(self, session_id: str) -> list[AuditEntry]:
        """Return the session's audit entries, oldest first."""
        return _entries(self.redis.xrange(keys.session_stream(session_id)))

    def rollbacks_of(self, wallet_id: str, parent_system: str, references: list[str]
                     ) -> dict[str, str]:
        """Return which of these movements were rolled back, and by which reference."""
        pipe = self.redis.pipeline(transaction=False)
        for reference in references:
            pipe.hget(keys.movement(wallet_id, parent_system, reference), "rolled_back")
        found = zip(references, cast(list[str | None], pipe.execute()), strict=True)
        return {reference: by for reference, by in found if by}

    def wallet_sessions(self, wallet_id: str, limit: int) -> list[str]:
        """Return the wallet's session ids, newest first."""
        return cast(list[str], self.redis.zrevrange(keys.wallet_sessions(wallet_id), 0, limit - 1))

    def wallet_entries(self, wallet_id: str, cursor: str | None, limit: int) -> Page:
        """Return a page of the wallet's audit entries, newest first, before ``cursor``."""
        newest = f"({cursor}" if cursor else "+"
        rows = _entries(
            self.redis.xrevrange(keys.wallet_stream(wallet_id), newest, "-", count=limit + 1))
        entries = rows[:limit]
        next_cursor = entries[-1].entry_id if len(rows) > limit else None
        return Page(entries, next_cursor)

    # Retention ---------------------------------------------------------------------------

    def trim_audit(self, older_than_ms: int, session_max_ms: int) -> tuple[int, int]:
        """Trim every wallet's stream to entries newer than ``older_than_ms``, and its session
        index to sessions whose records may still exist (opened up to a session's life earlier).

        Movement records, session records and streams, reference claims and counters expire
        by their own TTLs (the retention period from their last write); a wallet's stream is
        trimmed on each write too, so this sweep matters for wallets that went quiet. Returns
        (wallets swept, stream entries removed).
        """
        wallets = removed = 0
        for key in self.redis.scan_iter(match="w:*", count=1000):
            wallet_id = key.split(":", 2)[2]
            removed += int(self.redis.xtrim(
                keys.wallet_stream(wallet_id), minid=str(older_than_ms), approximate=False))
            self.redis.zremrangebyscore(keys.wallet_sessions(wallet_id), "-inf",
                                        f"({older_than_ms - session_max_ms}")
            wallets += 1
        return wallets, removed

    # Reconciliation ----------------------------------------------------------------------

    def reconciliation_counters(self, days: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
        """Sum every shard's counters for ``days``: (day, provider, game, currency) -> totals.

        The movement scripts keep the counters, so this reads 256 hashes a day whatever the
        day's traffic, in one pipelined batch (split per node on a cluster).
        """
        pipe = self.redis.pipeline(transaction=False)
        for day in days:
            for shard in keys.SHARDS:
                pipe.hgetall(keys.reconciliation(shard, day))
        replies = iter(pipe.execute())
        totals: dict[tuple[str, ...], dict[str, int]] = {}
        for day in days:
            for _ in keys.SHARDS:
                for field, value in _text_map(next(replies)).items():
                    provider, game, currency, counter = field.split(keys.COUNTER_SEPARATOR)
                    row = totals.setdefault((day, provider, game, currency), {})
                    row[counter] = row.get(counter, 0) + int(value)
        return totals
