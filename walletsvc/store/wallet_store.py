"""WalletStore: the only code that talks to Redis."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import simplejson
from redis.exceptions import RedisError

from walletsvc import errors
from walletsvc.clock import system_clock, utc_day
from walletsvc.models import (
    AdjustmentKind,
    Applied,
    Balance,
    LaunchToken,
    MovementRequest,
    MovementTerms,
    SessionOwner,
    SubWallet,
    Wallet,
)
from walletsvc.observability import record_store_failure
from walletsvc.store import fence, keys, protection, safety
from walletsvc.store.client import RedisClient
from walletsvc.store.replication import Acknowledgement, ReplicatedWrites
from walletsvc.store.restoring import ShardWriter, restore_script
from walletsvc.store.scripts import Scripts

_OWNER_CACHE_SIZE = 100_000


def _text_map(raw: Any) -> dict[str, str]:
    """Type a hash reply: the client decodes every reply to text."""
    return cast(dict[str, str], raw)


def _live_index(session_id: str) -> str:
    return keys.live_sessions(keys.session_shard(session_id))


def _outbox(wallet_id: str) -> str:
    return keys.outbox(keys.wallet_shard(wallet_id))


def _marker(wallet_id: str) -> str:
    return keys.store_marker(keys.wallet_shard(wallet_id))


def _checked(reply: Sequence[Any]) -> Sequence[Any]:
    """Return a script's reply, or raise the domain error its status (a GPAS type) names."""
    if reply[0] == "OK":
        return reply
    refused = protection.refusal(reply)
    if refused is not None:
        raise refused
    if reply[0] == errors.StoreNotReady.type:
        record_store_failure("not_ready", "the shard's marker is missing or says restoring",
                             "answered 503 STORE_NOT_READY, nothing applied")
    raise errors.of_type(reply[0])()


def _applied(reply: Sequence[Any]) -> Applied:
    """Read the one reply shape of every money script (see common.lua)."""
    _, movement_id, real, bonus, bonus_part, replayed, amount = reply
    return Applied(movement_id, Balance(int(real), int(bonus)), int(bonus_part), replayed == 1,
                   int(amount))


# Tags as GPAS sent them, compact, numbers exact, text as text (Redis holds UTF-8).
_TAGS_JSON = simplejson.JSONEncoder(separators=(",", ":"), use_decimal=True, ensure_ascii=False)


def _tags_json(tags: Mapping[str, Any]) -> str:
    return _TAGS_JSON.encode(tags)


class WalletStore:
    """Wallets, sessions, movements and their audit trail in Redis."""

    def __init__(self, redis: RedisClient, retention_ms: int, cluster: bool = False,
                 clock: Callable[[], int] = system_clock,
                 acknowledgement: Acknowledgement | None = None) -> None:
        self.redis = redis
        self._cluster = cluster
        # Every write, scripts and plain commands alike, goes through here to wait for replicas.
        self._acknowledgement = acknowledgement or Acknowledgement()
        self._writes = ReplicatedWrites(redis, self._acknowledgement)
        self._scripts = Scripts.register(redis, self._writes)
        self.protection = protection.ProtectionStore(redis, self._scripts.protect)
        self._retention_ms = retention_ms
        self._owners: OrderedDict[str, SessionOwner] = OrderedDict()
        # Every write asks the guard first: no money moves on a Redis that may evict.
        self._guard = safety.PolicyGuard(redis, lambda: clock() / 1000)

    def health(self) -> list[str]:
        """Return why Redis cannot move money now (empty: ready); load any missing script.

        Raises RedisError when Redis does not answer.
        """
        self._scripts.ensure_loaded(self.redis)
        return (safety.health(self.redis, self._acknowledgement.replicas)
                + self.fence().problems())

    # The fence (store/fence.py) ----------------------------------------------------------

    def fence(self) -> fence.FenceState:
        """Return what the shards' markers say."""
        return fence.read(self.redis)

    def restore_writer(self) -> ShardWriter:
        """Return the writer ``ledger restore`` rebuilds a shard with (store/restoring.py)."""
        return ShardWriter(self.redis, restore_script(self.redis, self._writes), self._writes)

    def mark_shards(self, shards: Sequence[str], state: str, identity: str, now_ms: int
                    ) -> None:
        """Set the markers of ``shards`` (init, restore), each acknowledged as writes are."""
        fence.mark(self._writes, shards, state, identity, now_ms)

    def memory(self) -> dict[str, safety.Memory]:
        """Return each node's memory against its maxmemory (what headroom alerts watch)."""
        return safety.memory(self.redis)

    # Wallets -----------------------------------------------------------------------------

    def create_wallet(self, wallet_id: str, player_id: str, currency: str, now_ms: int) -> None:
        """Create an empty wallet; raise WalletIdTaken if the id is taken."""
        self._guard.check()
        _checked(self._scripts.create_wallet(
            {"wallet": keys.wallet(wallet_id), "outbox": _outbox(wallet_id),
             "store": _marker(wallet_id)},
            {"currency": currency, "player": player_id, "now": now_ms, "wallet": wallet_id}))

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

    def set_blocked(self, wallet_id: str, blocked: bool, now_ms: int) -> None:
        """Block or unblock a wallet; raise ResourceNotFound if there is none."""
        self._guard.check()
        _checked(self._scripts.set_blocked(
            {"wallet": keys.wallet(wallet_id), "outbox": _outbox(wallet_id),
             "store": _marker(wallet_id)},
            {"blocked": "1" if blocked else "0", "wallet": wallet_id, "now": now_ms}))

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
        periods: Mapping[str, int],
    ) -> Applied:
        """Apply an operator deposit or withdrawal once per (wallet, reference).

        ``periods`` are the protection periods running now (d0 d1 w0 w1 m0 m1, protection.lua).
        """
        self._guard.check()
        return _applied(_checked(self._scripts.adjust(
            {"wallet": keys.wallet(wallet_id), "record": keys.adjustment(wallet_id, reference),
             "wallet_stream": keys.wallet_stream(wallet_id), "outbox": _outbox(wallet_id),
             "store": _marker(wallet_id), "protection": keys.protection(wallet_id),
             "usage": keys.usage(wallet_id)},
            {"kind": kind, "sub": sub_wallet, "amount": amount, "ref": reference, "now": now_ms,
             "retention": self._retention_ms, "mid": movement_id, "fp": fingerprint,
             "wallet": wallet_id, **periods},
        )))

    def adjustment_movement(self, wallet_id: str, reference: str) -> str | None:
        """Return the movement id of the adjustment applied under ``reference``, or None."""
        found = self.redis.hget(keys.adjustment(wallet_id, reference), "mid")
        return found.decode() if isinstance(found, bytes) else found

    # Launch tokens and sessions ----------------------------------------------------------

    def issue_launch_token(self, wallet_id: str, ttl_ms: int) -> str:
        """Create a random single-use launch token for the wallet, kept for ``ttl_ms``."""
        self._guard.check()
        token = keys.wallet_shard(wallet_id) + secrets.token_urlsafe(32)
        _checked(self._scripts.issue_token(
            {"token": keys.launch_token(token), "store": _marker(wallet_id)},
            {"wallet": wallet_id, "ttl": ttl_ms}))
        return token

    def open_session(self, token: LaunchToken, wallet_id: str, parent_system: str,
                     now_ms: int, timeouts_ms: tuple[int, int], required: str = "") -> str:
        """Consume the launch token and open a session; return its id, or raise why not.

        ``required``: the limit kinds the wallet must have, as the store names them
        (``loss,play``; protection.lua).
        """
        self._guard.check()
        if token.kind == "opaque":
            self._check_token_shard(token.value, wallet_id)
            token_key = keys.launch_token(token.value)
        else:
            token_key = keys.used_jwt(wallet_id, token.value)
        session_id = keys.new_session_id(wallet_id)
        idle_ms, max_ms = timeouts_ms
        _checked(self._scripts.open_session(
            {"token": token_key, "wallet": keys.wallet(wallet_id),
             "session": keys.session(session_id), "live": keys.live_session(session_id),
             "session_stream": keys.session_stream(session_id),
             "wallet_sessions": keys.wallet_sessions(wallet_id),
             "live_index": _live_index(session_id), "outbox": _outbox(wallet_id),
             "store": _marker(wallet_id), "protection": keys.protection(wallet_id)},
            {"token_kind": token.kind, "now": now_ms, "sid": session_id, "wallet": wallet_id,
             "ps": parent_system, "idle": idle_ms, "max_age": max_ms,
             "retention": self._retention_ms, "jwt_ttl": max(token.ttl_ms, 1),
             "required": required},
        ))
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

    def balance(self, session_id: str, owner: SessionOwner, parent_system: str, now_ms: int
                ) -> Balance:
        """Return the balance through an active session, refreshing its idle timeout.

        When Redis refuses writes (out of memory, a replica, a disk error, an evicting policy)
        the balance is still read, without the refresh: a read never needs to write.
        """
        script_keys = {
            "wallet": keys.wallet(owner.wallet_id), "session": keys.session(session_id),
            "live": keys.live_session(session_id), "live_index": _live_index(session_id),
            "store": _marker(owner.wallet_id)}
        args: dict[str, str | int] = {
            "now": now_ms, "ps": parent_system, "wallet": owner.wallet_id, "sid": session_id,
            "touch": "1"}
        try:
            self._guard.check()
            reply = self._scripts.balance(script_keys, args)
        except RedisError as exc:
            kind = safety.refused_write(exc)
            if kind is None:
                raise
            record_store_failure(kind, str(exc), "balance read without refreshing the session")
            reply = self._scripts.balance(script_keys, {**args, "touch": "0"})
        reply = _checked(reply)
        return Balance(int(reply[1]), int(reply[2]))

    def close_session(self, session_id: str, parent_system: str, now_ms: int, late_ms: int) -> None:
        """Close an active session; raise InvalidWalletSession otherwise."""
        if not keys.is_shard(keys.session_shard(session_id)):
            raise errors.InvalidWalletSession()
        self._guard.check()
        _checked(self._scripts.close_session(
            {"session": keys.session(session_id), "live": keys.live_session(session_id),
             "session_stream": keys.session_stream(session_id),
             "live_index": _live_index(session_id),
             "outbox": keys.outbox(keys.session_shard(session_id)),
             "store": keys.store_marker(keys.session_shard(session_id))},
            {"now": now_ms, "ps": parent_system, "late": late_ms,
             "retention": self._retention_ms, "sid": session_id},
        ))

    # Movements ---------------------------------------------------------------------------

    def apply(self, request: MovementRequest, owner: SessionOwner, terms: MovementTerms
              ) -> Applied:
        """Apply a debit, credit or rollback exactly once, in one script call.

        A business rule's refusal in ``terms`` is answered by the script itself, once the
        session has passed: a closed or expired session is 1004 whatever the request holds.
        """
        self._guard.check()
        wallet_id, ps, sid = owner.wallet_id, request.parent_system, request.session_id
        rollback = request.kind == "rollback"
        claims: list[tuple[str, str, type[errors.WalletError]]] = [
            ("owner", request.reference, errors.DuplicateTransactionId)]
        if rollback:
            claims.append(("target_owner", request.reverses, errors.InvalidTransactionId))
        script_keys = {
            "wallet": keys.wallet(wallet_id), "session": keys.session(sid),
            "live": keys.live_session(sid), "live_index": _live_index(sid),
            "record": keys.movement(wallet_id, ps, request.reference),
            "session_stream": keys.session_stream(sid),
            "wallet_stream": keys.wallet_stream(wallet_id),
            "counters": keys.reconciliation(keys.wallet_shard(wallet_id), utc_day(terms.now_ms)),
            "outbox": _outbox(wallet_id), "store": _marker(wallet_id),
            "protection": keys.protection(wallet_id), "usage": keys.usage(wallet_id),
            **self._references(wallet_id, ps, claims, claim=terms.refusal is None),
        }
        if rollback:
            script_keys["target"] = keys.movement(wallet_id, ps, request.reverses)
        args: dict[str, str | int] = {
            "kind": request.kind, "now": terms.now_ms, "late": terms.late_ms,
            "retention": self._retention_ms, "replay": "1" if terms.replay else "0",
            "refusal": terms.refusal.type if terms.refusal else "", "amount": terms.amount,
            "mid": keys.new_id(), "fp": terms.fingerprint, "ps": ps, "wallet": wallet_id,
            "sid": sid, "ref": request.reference, "reverses": request.reverses,
            "type": request.type_code, "description": request.description,
            "tags": _tags_json(request.tags), "game": terms.game_id,
            "provider": terms.provider_code, **terms.periods,
        }
        script = self._scripts.rollback if rollback else self._scripts.movement
        reply = script(script_keys, args)
        if terms.refusal is not None and reply[0] == terms.refusal.type:
            raise terms.refusal
        return _applied(_checked(reply))

    def _references(self, wallet_id: str, parent_system: str,
                    claims: list[tuple[str, str, type[errors.WalletError]]], claim: bool
                    ) -> dict[str, str]:
        """Return the reference-directory keys for the script, or claim them on a cluster.

        On one node the script checks and writes the directory itself, in the same atomic step.
        On a cluster the directory lives in other slots, so each reference is claimed for this
        wallet first (SET NX); one already held by another wallet is refused with its error.
        A claim stays when the script then refuses the movement: the reference remains this
        wallet's, so a retry on this wallet is judged afresh and no other wallet can take it.
        A request a business rule already refused claims nothing (``claim`` false).
        """
        owner_keys = {name: keys.reference_owner(parent_system, ref) for name, ref, _ in claims}
        if not self._cluster:
            return owner_keys
        for (_, _, refusal), key in zip(claims, owner_keys.values(), strict=True):
            if claim and not self._writes.execute(key, "SET", key, wallet_id, "NX", "PX",
                                                  self._retention_ms) \
                    and self.redis.get(key) != wallet_id:
                raise refusal()
        return {}
