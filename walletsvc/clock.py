"""Time, injectable so tests can move it; everything is UTC milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

Clock = Callable[[], int]
DAY_MS = 86_400_000


def system_clock() -> int:
    """Return the current UTC time in milliseconds."""
    return time.time_ns() // 1_000_000


def iso_utc(ms: int) -> str:
    """Format ``ms`` as ISO-8601 UTC with milliseconds, e.g. ``2021-08-30T16:58:35.476Z``."""
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    """Return the milliseconds of an aware datetime exactly (no float in between)."""
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def utc_day(ms: int) -> str:
    """Return the UTC date of ``ms`` as ``YYYY-MM-DD``."""
    return _day_name(ms // DAY_MS)


@lru_cache(maxsize=8)
def _day_name(day: int) -> str:
    """Name the ``day``-th day since the epoch (every movement asks; days change rarely)."""
    return datetime.fromtimestamp(day * DAY_MS // 1000, UTC).strftime("%Y-%m-%d")
