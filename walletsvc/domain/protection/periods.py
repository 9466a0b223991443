"""Calendar periods (day, week from Monday, month) in the configured time zone, as milliseconds.

Computed here, in Python, and handed to the scripts as arguments: Lua in Redis has no
time-zone database. A day is a local calendar day (23 or 25 hours across a daylight-saving
change), a week starts on Monday at local midnight, a month on its first day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from walletsvc.clock import DAY_MS


@dataclass(frozen=True)
class Period:
    """One running period: its code (``d``, ``w``, ``m``), start and end (ms, end excluded)."""

    code: str
    start_ms: int
    end_ms: int


def _midnight(day: date, zone: ZoneInfo) -> int:
    local = datetime.combine(day, time(0), tzinfo=zone)
    return int(local.astimezone(UTC).timestamp()) * 1000


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class Calendar:
    """The periods running at a moment, in one time zone."""

    def __init__(self, zone_name: str) -> None:
        self.zone_name = zone_name
        self._zone = ZoneInfo(zone_name)
        self._cached = lru_cache(maxsize=64)(self._of_day)

    def running(self, now_ms: int) -> tuple[Period, Period, Period]:
        """Return the day, week and month running at ``now_ms``."""
        periods = self._cached(now_ms // DAY_MS)
        # A UTC day overlaps two local days: pick the one holding `now_ms`.
        return periods[0] if now_ms < periods[0][0].end_ms else periods[1]

    def arguments(self, now_ms: int) -> dict[str, int]:
        """Return the periods as the scripts take them: d0 d1 w0 w1 m0 m1."""
        found: dict[str, int] = {}
        for period in self.running(now_ms):
            found[period.code + "0"], found[period.code + "1"] = period.start_ms, period.end_ms
        return found

    def local_time(self, ms: int) -> datetime:
        """Return ``ms`` as a local time in the zone."""
        moment = datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)
        return moment.astimezone(self._zone)

    def local_date(self, ms: int) -> date:
        """Return the local calendar date of ``ms``."""
        return self.local_time(ms).date()

    def day_bounds(self, day: date) -> tuple[int, int]:
        """Return the start and end (ms) of a local calendar day."""
        return _midnight(day, self._zone), _midnight(day + timedelta(days=1), self._zone)

    def _of_day(self, utc_day: int) -> tuple[tuple[Period, Period, Period], ...]:
        """The periods of the local days at the start and the end of a UTC day."""
        first = self.local_date(utc_day * DAY_MS)
        last = self.local_date(utc_day * DAY_MS + DAY_MS - 1)
        return tuple(self._of(day) for day in (first, last))

    def _of(self, day: date) -> tuple[Period, Period, Period]:
        monday = day - timedelta(days=day.weekday())
        month = day.replace(day=1)
        return (Period("d", *self.day_bounds(day)),
                Period("w", _midnight(monday, self._zone),
                       _midnight(monday + timedelta(days=7), self._zone)),
                Period("m", _midnight(month, self._zone),
                       _midnight(_next_month(month), self._zone)))
