"""The Lua scripts, registered once per client (EVALSHA, reloaded only on NOSCRIPT)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from redis.commands.core import Script

from walletsvc.store.client import RedisClient

_COMMON = "common.lua"


def _source(name: str) -> str:
    folder = resources.files("walletsvc.store") / "lua"
    return (folder / _COMMON).read_text() + "\n" + (folder / name).read_text()


@dataclass(frozen=True)
class Scripts:
    """Every atomic operation of the store; each call is one Redis round trip."""

    open_session: Script
    close_session: Script
    balance: Script
    movement: Script
    rollback: Script
    create_wallet: Script
    set_blocked: Script
    adjust: Script

    @classmethod
    def register(cls, redis: RedisClient) -> Scripts:
        """Register every script with ``redis``."""
        names = cls.__dataclass_fields__
        return cls(**{name: redis.register_script(_source(f"{name}.lua")) for name in names})
