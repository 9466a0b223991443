"""Time, injectable so tests can move it; everything is UTC milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], int]


def system_clock() -> int:
    """Return the current UTC time in milliseconds."""
    return time.time_ns() // 1_000_000


def iso_utc(ms: int) -> str:
    """Format ``ms`` as ISO-8601 UTC with milliseconds, e.g. ``2021-08-30T16:58:35.476Z``."""
    moment = datetime.fromtimestamp(ms // 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def utc_day(ms: int) -> str:
    """Return the UTC date of ``ms`` as ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%d")
