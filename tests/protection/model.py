"""A plain-Python model of player protection, written from the rules, not from the scripts.

Use is recomputed from the whole history each time (what was bet, won and rolled back, and
when), where the scripts keep running counters: the two must agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("America/Sao_Paulo")
CODES = ("d", "w", "m")
MONEY = ("deposit", "wager", "loss", "bet")


def _ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=ZONE).timestamp()) * 1000


def period_bounds(now_ms: int) -> dict[str, tuple[int, int]]:
    """The day, week (from Monday) and month running at ``now_ms``, in São Paulo."""
    today = datetime.fromtimestamp(now_ms // 1000, UTC).astimezone(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return {"d": (_ms(today), _ms(today + timedelta(days=1))),
            "w": (_ms(monday), _ms(monday + timedelta(days=7))),
            "m": (_ms(first), _ms(after))}


@dataclass
class Move:
    """An accepted bet or win (or deposit), when it was made, and for a bet its play start."""

    amount: int
    at: int
    since: int = 0
    rolled_back: bool = False


@dataclass
class Model:
    """What the rules say about one wallet."""

    cooling_ms: int
    limits: dict[str, int] = field(default_factory=dict)
    pending: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    pause_until: int | None = None
    bets: dict[str, Move] = field(default_factory=dict)
    wins: dict[str, Move] = field(default_factory=dict)
    deposits: list[Move] = field(default_factory=list)
    session_opened: int = 0
    since: int = 0

    def settle(self, now: int) -> None:
        """Apply the pending changes whose time has come."""
        for name, (value, effective) in list(self.pending.items()):
            if now >= effective:
                del self.pending[name]
                if value is None:
                    self.limits.pop(name, None)
                else:
                    self.limits[name] = value

    def set_limit(self, name: str, value: int | None, now: int) -> bool:
        """Apply a change request; False if refused (removing a limit there is not)."""
        self.settle(now)
        old = self.limits.get(name)
        if value is not None and (old is None or value <= old):
            self.pending.pop(name, None)
            self.limits[name] = value
            return True
        if old is None:
            return False
        self.pending[name] = (value, now + self.cooling_ms)
        return True

    def used(self, metric: str, code: str, now: int) -> int:
        """What the wallet did in the period running at ``now``, from the whole history."""
        start = period_bounds(now)[code][0]
        bets = [b for b in self.bets.values() if not b.rolled_back and b.at >= start]
        if metric == "wager":
            return sum(b.amount for b in bets)
        if metric == "loss":
            wins = [w for w in self.wins.values() if not w.rolled_back and w.at >= start]
            return sum(b.amount for b in bets) - sum(w.amount for w in wins)
        if metric == "deposit":
            return sum(d.amount for d in self.deposits if d.at >= start)
        return sum(max(0, b.at - max(b.since, start))
                   for b in self.bets.values() if b.at >= start)

    def _over(self, metric: str, adds: dict[str, int], now: int) -> tuple[str, str] | None:
        found = []
        for index, code in enumerate(CODES):
            limit = self.limits.get(f"{metric}:{code}")
            used = self.used(metric, code, now)
            if limit is not None and used + adds[code] > limit:
                found.append((limit - used, index, code))
        return (metric, min(found)[2]) if found else None

    def judge_bet(self, amount: int, now: int) -> tuple[str, str] | None:
        """Return (refusal, period code) of a bet, or None if it is accepted."""
        self.settle(now)
        if self.pause_until is not None and now < self.pause_until:
            return ("pause", "")
        if "bet" in self.limits and amount > self.limits["bet"]:
            return ("bet", "")
        if "session" in self.limits and now - self.session_opened > self.limits["session"]:
            return ("session", "")
        bounds = period_bounds(now)
        play = {code: max(0, now - max(self.since, bounds[code][0])) for code in CODES}
        money = dict.fromkeys(CODES, amount)
        return (self._over("play", play, now) or self._over("wager", money, now)
                or self._over("loss", money, now))

    def judge_deposit(self, amount: int, now: int) -> tuple[str, str] | None:
        """Return (refusal, period code) of a deposit to REAL, or None."""
        self.settle(now)
        return self._over("deposit", dict.fromkeys(CODES, amount), now)
