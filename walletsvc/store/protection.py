"""The store's side of player protection: a wallet's settings and period counters.

What a bet is judged against is read and counted inside the money scripts themselves
(lua/protection.lua); this reads the same two hashes for the operator, and writes a change of
the settings the domain decided (lua/protect.lua), with its evidence, compare-and-set on the
settings' version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from walletsvc import errors
from walletsvc.store import keys
from walletsvc.store.client import RedisClient
from walletsvc.store.scripts import Script

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_PAUSES = {"PLAYER_PAUSED": errors.PlayerPaused, "PLAYER_EXCLUDED": errors.PlayerExcluded}


@dataclass(frozen=True)
class Stored:
    """A wallet's settings hash and counters hash, as Redis holds them."""

    settings: dict[str, str]
    usage: dict[str, str]


def refusal(reply: Sequence[Any]) -> errors.ProtectionRefusal | None:
    """Return the protection refusal a script replied with (protection.lua), else None.

    What the script found comes in minor units and milliseconds: ``refusal`` (e.g.
    LOSS_LIMIT_REACHED), ``period`` (d, w, m or ''), ``limit``, ``used``, ``tried``, ``resets``
    (ms, 0: never); a pause's ``until`` (ms, or None: indefinite); the ``missing`` limits.
    """
    status = reply[0]
    if status == "LIMIT_REACHED":
        _, name, period, limit, used, tried, resets = reply
        return errors.LimitReached(found={
            "refusal": name, "period": period, "limit": int(limit), "used": int(used),
            "tried": int(tried), "resets": int(resets)})
    if status in _PAUSES:
        until = reply[1]
        return _PAUSES[status](found={"until": None if until == "inf" else int(until)})
    if status == "LIMITS_REQUIRED":
        return errors.LimitsRequired(found={"missing": list(reply[1:])})
    return None


class ProtectionStore:
    """Read a wallet's protection hashes; write a change of its settings atomically."""

    def __init__(self, redis: RedisClient, protect: Script) -> None:
        self._redis = redis
        self._protect = protect

    def read(self, wallet_id: str) -> Stored:
        """Return the wallet's settings and counters (one round trip; both in its slot)."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.hgetall(keys.protection(wallet_id))
        pipe.hgetall(keys.usage(wallet_id))
        settings, usage = pipe.execute()
        return Stored(cast(dict[str, str], settings), cast(dict[str, str], usage))

    def write(self, wallet_id: str, version: int, state: Mapping[str, str],
              entry: Sequence[str]) -> bool:
        """Replace the settings if still at ``version``; False if they changed meanwhile.

        Raises ResourceNotFound if there is no such wallet.
        """
        reply = self._protect(
            {"wallet": keys.wallet(wallet_id), "protection": keys.protection(wallet_id),
             "outbox": keys.outbox(keys.wallet_shard(wallet_id)),
             "store": keys.store_marker(keys.wallet_shard(wallet_id))},
            {"version": version, "state": _JSON.encode(dict(state)),
             "entry": _JSON.encode(list(entry))})
        if reply[0] == "STALE":
            return False
        if reply[0] == "NOT_FOUND":
            raise errors.ResourceNotFound("no such wallet")
        if reply[0] != "OK":
            raise errors.of_type(reply[0])()
        return True
