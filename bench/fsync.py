"""How long the disk under Redis's data takes to make a small write durable.

With ``appendfsync always`` Redis writes the append-only file and calls fdatasync once per
event-loop turn that wrote, before it answers the writes of that turn (so connections waiting
together share one fsync). This times the same call on a file in the same directory.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

SAMPLES = 200


def probe(directory: Path, samples: int = SAMPLES) -> dict[str, Any]:
    """Return fdatasync latency (µs, p50 and p99) of 100-byte appends in ``directory``."""
    path = directory / "fsync-probe"
    took = []
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(samples):
            os.write(descriptor, b"x" * 100)
            started = time.perf_counter()
            os.fdatasync(descriptor)
            took.append(time.perf_counter() - started)
    finally:
        os.close(descriptor)
        path.unlink(missing_ok=True)
    took.sort()
    return {"samples": samples, "fdatasync_p50_us": round(statistics.median(took) * 1e6, 1),
            "fdatasync_p99_us": round(took[int(0.99 * (samples - 1))] * 1e6, 1)}
