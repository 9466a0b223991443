"""Every Redis key name, in one place.

Every key starts with the process's prefix (``use_prefix``, empty by default). Each wallet
belongs to one of 256 shards, named by a two-hex-digit hash tag ``{xx}``. Every key
one script touches for that wallet carries the same tag, so it all lives in one Redis Cluster
slot. A session id starts with its wallet's shard, so a GPAS call naming only the session still
finds the slot. The reference directory is the one key per movement outside the wallet's shard:
it makes ``externalReference`` unique per parent system across all wallets. Each shard has an
outbox stream, the ledger's feed.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache

SHARDS = [f"{n:02x}" for n in range(256)]
_SHARD = re.compile(r"[0-9a-f]{2}")
_prefix = ""


def use_prefix(prefix: str) -> None:
    """Put ``prefix`` before every key this process names (WALLETSVC_REDIS_KEY_PREFIX).

    One value per process, set where the store is built (walletsvc/services.py), so that
    several installations, or a test run, can share one Redis without sharing a key. The
    settings check it holds no brace (a hash tag would put every key in one cluster slot) and
    nothing SCAN reads as a pattern.
    """
    global _prefix
    _prefix = prefix


@lru_cache(maxsize=65_536)
def wallet_shard(wallet_id: str) -> str:
    """Return the shard of a wallet (remembered: every key of a movement asks for it)."""
    return hashlib.sha1(wallet_id.encode()).hexdigest()[:2]  # noqa: S324 - spreading, not security


def session_shard(session_id: str) -> str:
    """Return the shard of a session (the first two hex digits of its id)."""
    return session_id[:2]


def is_shard(name: str) -> bool:
    """Tell whether ``name`` is one of the 256 shards (a session id that names none is unknown)."""
    return _SHARD.fullmatch(name) is not None


def new_id() -> str:
    """Return a random (version 4) UUID as text: a movement's id.

    Written from 16 random bytes with the version and variant digits set, as ``uuid.uuid4()``
    makes it, without building a UUID object on every movement.
    """
    digits = os.urandom(16).hex()
    variant = "89ab"[int(digits[16], 16) & 3]
    return (f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{variant}{digits[17:20]}-"
            f"{digits[20:]}")


def new_session_id(wallet_id: str) -> str:
    """Return a random UUID (114 random bits) whose first two digits are the wallet's shard."""
    return wallet_shard(wallet_id) + new_id()[2:]


def token_shard(token: str) -> str | None:
    """Return the shard a launch token was issued for, or None if it names none."""
    return token[:2] if _SHARD.fullmatch(token[:2]) else None


def wallet(wallet_id: str) -> str:
    """Hash: currency, player, real, bonus (minor units), blocked, created."""
    return f"{_prefix}w:{{{wallet_shard(wallet_id)}}}:{wallet_id}"


def all_wallets() -> str:
    """Return the SCAN pattern that matches every ``wallet()`` key."""
    return f"{_prefix}w:*"


def wallet_id(wallet_key: str) -> str:
    """Return the wallet id a ``wallet()`` key names."""
    return wallet_key[len(_prefix):].split(":", 2)[2]


def wallet_stream(wallet_id: str) -> str:
    """Stream: every movement and adjustment of the wallet (audit)."""
    return f"{_prefix}wx:{{{wallet_shard(wallet_id)}}}:{wallet_id}"


def wallet_sessions(wallet_id: str) -> str:
    """Sorted set: the wallet's session ids scored by opening time."""
    return f"{_prefix}wss:{{{wallet_shard(wallet_id)}}}:{wallet_id}"


def protection(wallet_id: str) -> str:
    """Hash: the wallet's player-protection settings (limits, pending changes, pause)."""
    return f"{_prefix}pp:{{{wallet_shard(wallet_id)}}}:{wallet_id}"


def usage(wallet_id: str) -> str:
    """Hash with a TTL: what the wallet deposited, wagered, lost and played in each period."""
    return f"{_prefix}pu:{{{wallet_shard(wallet_id)}}}:{wallet_id}"


def adjustment(wallet_id: str, reference: str) -> str:
    """Hash: an operator deposit or withdrawal, kept for idempotency."""
    return f"{_prefix}adj:{{{wallet_shard(wallet_id)}}}:{wallet_id}:{reference}"


def session(session_id: str) -> str:
    """Hash: the session record, readable for the retention period."""
    return f"{_prefix}s:{{{session_shard(session_id)}}}:{session_id}"


def live_session(session_id: str) -> str:
    """String with a TTL: exists while the session is open and not idle or too old."""
    return f"{_prefix}sl:{{{session_shard(session_id)}}}:{session_id}"


def live_sessions(shard: str) -> str:
    """Sorted set: a shard's live session ids scored by when they expire (for the gauge)."""
    return f"{_prefix}live:{{{shard}}}"


def session_stream(session_id: str) -> str:
    """Stream: the session's story (opened, movements, closed)."""
    return f"{_prefix}sx:{{{session_shard(session_id)}}}:{session_id}"


def movement(wallet_id: str, parent_system: str, reference: str) -> str:
    """Hash: a GPAS movement (or rollback tombstone) by its external reference."""
    return f"{_prefix}m:{{{wallet_shard(wallet_id)}}}:{parent_system}:{reference}"


def reference_owner(parent_system: str, reference: str) -> str:
    """String: the wallet that a parent system's external reference belongs to."""
    return f"{_prefix}ref:{parent_system}:{reference}"


def launch_token(token: str) -> str:
    """String with a TTL: the wallet an opaque launch token opens."""
    return f"{_prefix}lt:{{{token[:2]}}}:{token}"


def used_jwt(wallet_id: str, jti: str) -> str:
    """String with a TTL: a portal JWT id that has opened a session."""
    return f"{_prefix}jti:{{{wallet_shard(wallet_id)}}}:{jti}"


def store_marker(shard: str) -> str:
    """Hash without TTL: state (ready, restoring), store (identity), at (ms); see store/fence.py.

    Every script of the shard checks it first, so a shard whose data is gone (no marker) or
    being restored moves no money.
    """
    return f"{_prefix}st:{{{shard}}}"


def outbox(shard: str) -> str:
    """Stream: the shard's changes waiting for the ledger (walletsvc.ledger), oldest first.

    One per shard, so each script writes its change and its outbox entry in one slot, and the
    exporter reads 256 known keys (each on its node) instead of scanning wallet streams.
    """
    return f"{_prefix}ob:{{{shard}}}"


# Separates provider, game, currency and counter name in a counter's field (see common.lua).
COUNTER_SEPARATOR = "\x1f"


def reconciliation(shard: str, date: str) -> str:
    """Hash: one shard's counters for one UTC date; fields ``provider␟game␟currency␟counter``."""
    return f"{_prefix}rc:{{{shard}}}:{date}"
