"""How protection settings change: pure functions from the settings read to the settings to write.

- A new or lower limit applies at once; a higher one or a removal waits the cooling-off and is
  pending until then (at most one pending change per limit: a new request replaces it).
- A pending change can be cancelled before it applies.
- A pause or self-exclusion is never shortened: a new one must end no earlier (an indefinite one
  stays indefinite), and an exclusion stays an exclusion. One with an end is never lifted; an
  indefinite one only once it has lasted the configured minimum. Both end by themselves.

Each change returns the new settings and its evidence: the fields of the ledger entry that
records who asked what, the old and new value, when it was asked and when it applies.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from walletsvc.clock import iso_utc
from walletsvc.domain.protection.limits import Pause, PauseKind, Pending, Settings
from walletsvc.errors import ProtectionChangeRefused, ResourceNotFound

Evidence = dict[str, str]


@dataclass(frozen=True)
class Rules:
    """The configured waits: the cooling-off of a higher limit, an indefinite pause's minimum."""

    cooling_off_ms: int
    indefinite_minimum_ms: int


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


def settle(settings: Settings, now_ms: int) -> Settings:
    """Write in the pending changes whose time has come; drop a pause that has ended."""
    limits, pending = dict(settings.limits), {}
    for name, change in settings.pending.items():
        if now_ms < change.effective_ms:
            pending[name] = change
        elif change.value is None:
            limits.pop(name, None)
        else:
            limits[name] = change.value
    pause = settings.pause if settings.pause and settings.pause.holds(now_ms) else None
    return Settings(settings.version, limits, pending, pause)


def set_limit(settings: Settings, name: str, value: int | None, now_ms: int, by: str,
              rules: Rules) -> tuple[Settings, Evidence]:
    """Set, lower, raise or remove (``value`` None) the limit ``name``."""
    s = settle(settings, now_ms)
    old = s.limits.get(name)
    limits, pending = dict(s.limits), dict(s.pending)
    pending.pop(name, None)
    if value is not None and (old is None or value <= old or not rules.cooling_off_ms):
        limits[name] = value
        action, effective = ("set" if old is None or value > old else
                             "lowered" if value < old else "kept"), now_ms
    elif old is None:
        raise ProtectionChangeRefused("there is no such limit to remove")
    elif not rules.cooling_off_ms:
        del limits[name]
        action, effective = "removed", now_ms
    else:
        effective = now_ms + rules.cooling_off_ms
        pending[name] = Pending(value, effective, now_ms, by)
        action = "raise_pending" if value is not None else "removal_pending"
    evidence = {"action": action, "name": name, "old": _text(old), "new": _text(value),
                "by": by, "asked": str(now_ms), "effective": str(effective)}
    return replace(s, limits=limits, pending=pending), evidence


def cancel(settings: Settings, name: str, now_ms: int, by: str) -> tuple[Settings, Evidence]:
    """Cancel the pending change of ``name``; raise ResourceNotFound if there is none."""
    s = settle(settings, now_ms)
    change = s.pending.get(name)
    if change is None:
        raise ResourceNotFound("no pending change of this limit")
    pending = {key: value for key, value in s.pending.items() if key != name}
    evidence = {"action": "cancelled", "name": name, "old": _text(s.limits.get(name)),
                "new": _text(change.value), "by": by, "asked": str(now_ms),
                "effective": str(change.effective_ms)}
    return replace(s, pending=pending), evidence


def pause(settings: Settings, kind: PauseKind, until_ms: int | None, origin: str, reason: str,
          now_ms: int, by: str) -> tuple[Settings, Evidence]:
    """Pause or exclude the player until ``until_ms`` (None: indefinitely), never shortening."""
    s = settle(settings, now_ms)
    if until_ms is not None and until_ms <= now_ms:
        raise ProtectionChangeRefused("a pause must end in the future")
    current = s.pause
    if current is not None:
        if current.until_ms is None and until_ms is not None:
            raise ProtectionChangeRefused("an indefinite pause cannot be given an end")
        if current.until_ms is not None and until_ms is not None \
                and until_ms < current.until_ms:
            raise ProtectionChangeRefused(
                f"the pause in force ends at {iso_utc(current.until_ms)}; it cannot be shortened")
        kind = "exclusion" if "exclusion" in (current.kind, kind) else kind
    new = Pause(kind, until_ms, origin, reason, now_ms, by)
    evidence = {"action": "paused", "kind": kind, "until": "" if until_ms is None
                else str(until_ms), "origin": origin, "reason": reason, "by": by,
                "asked": str(now_ms), "effective": str(now_ms),
                "old": "" if current is None else _until(current), "new": _until(new)}
    return replace(s, pause=new), evidence


def lift(settings: Settings, now_ms: int, by: str, reason: str, rules: Rules
         ) -> tuple[Settings, Evidence]:
    """Lift an indefinite pause that has lasted its minimum; refuse any other."""
    s = settle(settings, now_ms)
    current = s.pause
    if current is None:
        raise ResourceNotFound("no pause in force")
    if current.until_ms is not None:
        raise ProtectionChangeRefused(
            f"a pause with an end is never lifted; it ends at {iso_utc(current.until_ms)}")
    earliest = current.since_ms + rules.indefinite_minimum_ms
    if now_ms < earliest:
        raise ProtectionChangeRefused(
            f"an indefinite pause can be lifted from {iso_utc(earliest)}")
    evidence = {"action": "lifted", "kind": current.kind, "origin": current.origin,
                "reason": reason, "by": by, "asked": str(now_ms), "effective": str(now_ms),
                "old": _until(current), "new": ""}
    return replace(s, pause=None), evidence


def _until(pause: Pause) -> str:
    return "inf" if pause.until_ms is None else str(pause.until_ms)
