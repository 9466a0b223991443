"""The limits a wallet can have, and its protection settings as the store keeps them.

A limit is named by its kind and, for the kinds counted over calendar periods, a period: in
Redis ``loss:d`` (the daily loss limit), ``bet`` (the largest single bet). Money is in minor
units, time in milliseconds; the API speaks of ``LOSS``/``DAY`` and of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PauseKind = Literal["pause", "exclusion"]


@dataclass(frozen=True)
class Kind:
    """One kind of limit: its names, its unit, and whether it is counted per period."""

    name: str        # in settings and the API (lower case here, upper case there)
    stored: str      # in the store's field names (protection.lua)
    money: bool
    periodic: bool


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("deposit", "deposit", money=True, periodic=True),
    Kind("wager", "wager", money=True, periodic=True),
    Kind("loss", "loss", money=True, periodic=True),
    Kind("bet", "bet", money=True, periodic=False),
    Kind("session_time", "session", money=False, periodic=False),
    Kind("play_time", "play", money=False, periodic=True),
)}
BY_STORED = {kind.stored: kind for kind in KINDS.values()}
# Calendar periods, shortest first, by their names in the store and in the API.
PERIODS = {"d": "day", "w": "week", "m": "month"}
PERIOD_CODES = {name: code for code, name in PERIODS.items()}
ORIGINS = ("player", "operator", "register")


def field_name(kind: Kind, period: str | None) -> str:
    """Return the store's name of a limit: ``loss:d``, or ``bet`` for one without a period."""
    return f"{kind.stored}:{PERIOD_CODES[period]}" if kind.periodic and period else kind.stored


def parse_field(name: str) -> tuple[Kind, str | None]:
    """Return the kind and period (``day``, ``week``, ``month`` or None) of a store name."""
    stored, _, code = name.partition(":")
    return BY_STORED[stored], PERIODS[code] if code else None


@dataclass(frozen=True)
class Pending:
    """A change waiting for its cooling-off: the new value (None: removal) and when it applies."""

    value: int | None
    effective_ms: int
    asked_ms: int
    by: str

    def encode(self) -> str:
        """Write it as protection.lua reads it: ``value|effective|asked|by``."""
        value = "" if self.value is None else str(self.value)
        return f"{value}|{self.effective_ms}|{self.asked_ms}|{self.by}"

    @classmethod
    def decode(cls, text: str) -> Pending:
        """Read ``value|effective|asked|by``."""
        value, effective, asked, by = text.split("|", 3)
        return cls(int(value) if value else None, int(effective), int(asked), by)


@dataclass(frozen=True)
class Pause:
    """A pause or self-exclusion: until when (None: indefinite), from whom, why, since when."""

    kind: PauseKind
    until_ms: int | None
    origin: str
    reason: str
    since_ms: int
    by: str

    def holds(self, now_ms: int) -> bool:
        """Tell whether it is in force at ``now_ms`` (it ends by itself)."""
        return self.until_ms is None or now_ms < self.until_ms


@dataclass(frozen=True)
class Settings:
    """A wallet's protection settings: limits in force, pending changes, the pause, a version."""

    version: int = 0
    limits: dict[str, int] = field(default_factory=dict)
    pending: dict[str, Pending] = field(default_factory=dict)
    pause: Pause | None = None

    @classmethod
    def of_fields(cls, stored: dict[str, str]) -> Settings:
        """Read the settings hash (protection.lua documents its fields)."""
        limits, pending = {}, {}
        for name, value in stored.items():
            if name.startswith("~"):
                pending[name[1:]] = Pending.decode(value)
            elif name != "v" and not name.startswith("pause."):
                limits[name] = int(value)
        pause = None
        if "pause.until" in stored:
            until = stored["pause.until"]
            pause = Pause("exclusion" if stored["pause.kind"] == "exclusion" else "pause",
                          None if until == "inf" else int(until), stored["pause.origin"],
                          stored["pause.reason"], int(stored["pause.since"]),
                          stored["pause.by"])
        return cls(int(stored.get("v", "0")), limits, pending, pause)

    def fields(self) -> dict[str, str]:
        """Write the settings hash (with the version as it is)."""
        stored = {"v": str(self.version)}
        stored.update({name: str(value) for name, value in self.limits.items()})
        stored.update({"~" + name: change.encode() for name, change in self.pending.items()})
        if self.pause is not None:
            p = self.pause
            stored.update({"pause.kind": p.kind, "pause.origin": p.origin,
                           "pause.until": "inf" if p.until_ms is None else str(p.until_ms),
                           "pause.reason": p.reason, "pause.since": str(p.since_ms),
                           "pause.by": p.by})
        return stored

    def limit(self, name: str, now_ms: int) -> int | None:
        """Return the limit in force at ``now_ms``, a pending change whose time came applied."""
        change = self.pending.get(name)
        if change is not None and now_ms >= change.effective_ms:
            return change.value
        return self.limits.get(name)
