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

    def ensure_loaded(self, redis: RedisClient) -> None:
        """Load into Redis any script it lacks (after a restart, say)."""
        scripts = [getattr(self, name) for name in self.__dataclass_fields__]
        present = redis.script_exists(*(script.sha for script in scripts))
        for script, loaded in zip(scripts, _flags(present, len(scripts)), strict=True):
            if not loaded:
                redis.script_load(script.script)

    @classmethod
    def register(cls, redis: RedisClient) -> Scripts:
        """Register every script with ``redis``."""
        names = cls.__dataclass_fields__
        return cls(**{name: redis.register_script(_source(f"{name}.lua")) for name in names})


def _flags(reply: object, count: int) -> list[bool]:
    """Read SCRIPT EXISTS: a list of flags (on a cluster, one list per node, all must hold)."""
    if isinstance(reply, dict):
        per_node = [list(map(bool, flags)) for flags in reply.values()]
        return [all(node[i] for node in per_node) for i in range(count)]
    return [bool(flag) for flag in reply]  # type: ignore[attr-defined]
