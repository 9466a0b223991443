"""What ``ledger restore`` brings back of player protection: settings and period counters.

Each wallet's settings are those its last change wrote (the `_state` of its last 'protection'
entry, whatever its age). Its counters are counted again from the movements since the longest
running period began, exactly as the scripts count them (store/lua/protection.lua): a bet adds
its amount to wager and loss and the play time since `_since`, a win takes its amount from
loss, a rollback gives back what the movement it reverses counted if that was made in the
period (`_rts`), a deposit to REAL adds to deposit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from walletsvc.domain.protection.periods import Period

_METRICS = ("deposit", "wager", "loss", "play")

SETTINGS_QUERY = (
    "SELECT shard, wallet_id, state FROM (SELECT DISTINCT ON (wallet_id) shard, wallet_id,"
    " fields->>'_state' AS state FROM ledger_entries WHERE shard = ANY(%s)"
    " AND event = 'protection' ORDER BY wallet_id, at DESC, entry_ms DESC, entry_seq DESC) s"
    ' ORDER BY shard COLLATE "C", wallet_id')
USAGE_QUERY = (
    "SELECT shard, wallet_id, event, amount, real_delta,"
    " (extract(epoch FROM at) * 1000)::bigint, fields->>'_since', fields->>'_rts',"
    " reversed_kind FROM ledger_entries WHERE shard = ANY(%s) AND at >= %s"
    " AND event IN ('debit', 'credit', 'rollback', 'deposit')"
    ' ORDER BY shard COLLATE "C"')


@dataclass
class Usage:
    """One wallet's counters in the running periods, as protection.lua keeps them."""

    periods: Sequence[Period]
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, metric: str, amount: int, at: int, since: int | None = None) -> None:
        """Count ``amount`` (a bet's play time from ``since``) in the periods holding ``at``."""
        for period in self.periods:
            if at >= period.start_ms:
                added = amount if since is None else max(0, at - max(since, period.start_ms))
                self.counts[f"{metric}:{period.code}"] += added

    def fields(self) -> dict[str, str]:
        """Return the counters hash."""
        found = {}
        for period in self.periods:
            found[period.code] = str(period.start_ms)
            for metric in _METRICS:
                found[f"{metric}:{period.code}"] = str(self.counts[f"{metric}:{period.code}"])
        return found


def count_usage(rows: Iterator[tuple[Any, ...]], periods: Sequence[Period]) -> dict[str, Usage]:
    """Count the movements of USAGE_QUERY's rows of one shard, by wallet."""
    found: dict[str, Usage] = {}
    for _, wallet, event, amount, real, at, since, reversed_at, reversed_kind in rows:
        usage = found.setdefault(wallet, Usage(periods))
        if event == "debit":
            usage.add("wager", amount, at)
            usage.add("loss", amount, at)
            if since:
                usage.add("play", 0, at, int(since))
        elif event == "credit":
            usage.add("loss", -amount, at)
        elif event == "deposit" and real:
            usage.add("deposit", amount, at)
        elif event == "rollback" and reversed_at:
            when = int(reversed_at)
            if reversed_kind == "debit":
                usage.add("wager", -amount, when)
                usage.add("loss", -amount, when)
            else:
                usage.add("loss", amount, when)
    return found
