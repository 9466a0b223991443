"""A wallet's protection as the operator reads it: limits, pending changes, use, the pause.

Amounts are decimals in the wallet's currency, times ISO-8601 UTC, durations seconds; the
admin API and the CLI dump it with ``schemas.protection.ProtectionSchema``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from walletsvc.clock import iso_utc
from walletsvc.domain.protection.limits import PERIODS, Settings, parse_field
from walletsvc.models import Wallet

if TYPE_CHECKING:
    from walletsvc.domain.protection.service import Protection

Report = dict[str, Any]
_METRICS = ("deposit", "wager", "loss", "play")


def _used(usage: dict[str, str], running: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Return each ``metric:period`` counted in the period running now (0 if it began since)."""
    used = {}
    for code, (start, _) in running.items():
        fresh = usage.get(code) != str(start)
        for metric in _METRICS:
            used[f"{metric}:{code}"] = 0 if fresh else int(usage.get(f"{metric}:{code}", "0"))
    return used


def report(wallet: Wallet, settings: Settings, usage: dict[str, str], now_ms: int,
           protection: Protection) -> Report:
    """Build the report of ``wallet`` from its settled settings and counters."""
    running = {p.code: (p.start_ms, p.end_ms) for p in protection.calendar.running(now_ms)}
    used = _used(usage, running)

    def value(money: bool, minor: int | None) -> Decimal | None:
        return None if minor is None else protection.amount(money, minor, wallet.currency)

    limits = []
    for name in sorted(set(settings.limits) | set(settings.pending)):
        kind, period = parse_field(name)
        limit = settings.limits.get(name)
        count = used.get(name)
        change = settings.pending.get(name)
        limits.append({
            "limit": kind.name.upper(), "period": period.upper() if period else None,
            "value": value(kind.money, limit), "used": value(kind.money, count),
            "headroom": value(kind.money, max(0, limit - count))
            if limit is not None and count is not None else None,
            "resetsAt": iso_utc(running[name[-1]][1]) if period else None,
            "pending": None if change is None else {
                "value": value(kind.money, change.value),
                "effectiveAt": iso_utc(change.effective_ms),
                "askedAt": iso_utc(change.asked_ms), "by": change.by}})
    periods = [{
        "period": PERIODS[code].upper(), "startsAt": iso_utc(start), "resetsAt": iso_utc(end),
        "deposit": value(True, used[f"deposit:{code}"]),
        "wager": value(True, used[f"wager:{code}"]), "loss": value(True, used[f"loss:{code}"]),
        "playSeconds": value(False, used[f"play:{code}"])}
        for code, (start, end) in running.items()]
    present = {parse_field(name)[0].name for name in settings.limits}
    return {
        "walletId": wallet.wallet_id, "currency": wallet.currency,
        "timeZone": protection.calendar.zone_name, "limits": limits, "periods": periods,
        "pause": _pause(settings, protection), "requiredLimits": [
            name.upper() for name in protection.required_names],
        "missingLimits": [name.upper() for name in protection.required_names
                          if name not in present],
    }


def _pause(settings: Settings, protection: Protection) -> dict[str, Any] | None:
    pause = settings.pause
    if pause is None:
        return None
    liftable = (iso_utc(pause.since_ms + protection.rules.indefinite_minimum_ms)
                if pause.until_ms is None else None)
    return {"kind": pause.kind.upper(), "until": None if pause.until_ms is None
            else iso_utc(pause.until_ms), "origin": pause.origin.upper(),
            "reason": pause.reason, "since": iso_utc(pause.since_ms), "by": pause.by,
            "liftableFrom": liftable}
