"""The Lua scripts, sent by SHA1 (EVALSHA) and loaded again only when Redis lacks one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.exceptions import NoScriptError

from walletsvc.store.client import RedisClient
from walletsvc.store.replication import ReplicatedWrites

_COMMON = "common.lua"
# The scripts that move money or open sessions judge player protection too.
_PROTECTION = "protection.lua"
_PROTECTED = frozenset({"movement.lua", "rollback.lua", "adjust.lua", "open_session.lua"})
# Text as UTF-8, as Redis and cjson read it (no \u escapes to grow it).
_ARGS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The one script that is not acknowledged by replicas: it reads, and its only write is the
# session's idle-timeout touch, which a failover may lose without harm.
_READS = ("balance",)


def lua(name: str) -> str:
    """Return the text of one script of store/lua/, as it is (without common.lua)."""
    return (resources.files("walletsvc.store") / "lua" / name).read_text()


def _source(name: str) -> str:
    parts = [_COMMON, _PROTECTION, name] if name in _PROTECTED else [_COMMON, name]
    return "\n".join(lua(part) for part in parts)


def sha(source: str) -> str:
    """Return a script's id, the SHA1 of its text, as EVALSHA names it."""
    return hashlib.sha1(source.encode()).hexdigest()  # noqa: S324 - a script id


@dataclass(frozen=True)
class Script:
    """One Lua script bound to a client: each call is one EVALSHA, keys and arguments by name.

    The script sees ARGV[1] = the key names in KEYS order and ARGV[2] = the arguments as one
    JSON object of strings (common.lua names them back), so Python and Lua never have to agree
    on positions, and a movement's twenty arguments cost the client one.

    A plain EVALSHA through ``execute_command``: redis-py's own ``Script`` checks deprecated
    arguments on every call, a cost paid on every movement. NOSCRIPT means the script did not
    run, so loading it and sending the call again cannot apply anything twice.
    """

    redis: RedisClient
    source: str
    sha: str
    writes: ReplicatedWrites | None = None  # set: each call waits for replicas (see there)

    @classmethod
    def of(cls, redis: RedisClient, source: str, writes: ReplicatedWrites | None = None
           ) -> Script:
        """Bind ``source`` to ``redis``; a write script's calls go through ``writes``."""
        return cls(redis, source, sha(source), writes)

    def __call__(self, keys: Mapping[str, str], args: Mapping[str, str | int]) -> Any:
        """Run the script on the named ``keys`` with the named ``args``; return its reply."""
        named = _ARGS.encode({name: str(value) for name, value in args.items()})
        return self.positional(list(keys.values()), [" ".join(keys), named])

    def positional(self, keys: Sequence[str], args: Sequence[str]) -> Any:
        """Run the script with KEYS and ARGV as given (a script that reads them by position)."""
        command = ("EVALSHA", self.sha, len(keys), *keys, *args)
        try:
            return self._send(keys[0], command)
        except NoScriptError:
            self.redis.script_load(self.source)
            return self._send(keys[0], command)

    def _send(self, first_key: str, command: tuple[Any, ...]) -> Any:
        if self.writes is None:
            return self.redis.execute_command(*command)  # type: ignore[no-untyped-call]
        return self.writes.execute(first_key, *command)


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
    issue_token: Script
    protect: Script

    def ensure_loaded(self, redis: RedisClient) -> None:
        """Load into Redis any script it lacks (after a restart, say)."""
        scripts = [getattr(self, name) for name in self.__dataclass_fields__]
        present = redis.script_exists(*(script.sha for script in scripts))
        for script, loaded in zip(scripts, _flags(present, len(scripts)), strict=True):
            if not loaded:
                redis.script_load(script.source)

    @classmethod
    def register(cls, redis: RedisClient, writes: ReplicatedWrites | None = None) -> Scripts:
        """Register every script with ``redis``; writes wait for replicas through ``writes``."""
        acknowledged = writes if writes and writes.acknowledgement.waits else None
        return cls(**{name: Script.of(redis, _source(f"{name}.lua"),
                                      None if name in _READS else acknowledged)
                      for name in cls.__dataclass_fields__})


def _flags(reply: object, count: int) -> list[bool]:
    """Read SCRIPT EXISTS: a list of flags (on a cluster, one list per node, all must hold)."""
    if isinstance(reply, dict):
        per_node = [list(map(bool, flags)) for flags in reply.values()]
        return [all(node[i] for node in per_node) for i in range(count)]
    return [bool(flag) for flag in reply]  # type: ignore[attr-defined]
