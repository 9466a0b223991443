"""CPU used by each process of the stack, and by the whole machine, over a measured window."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import psutil

# Machine CPU that counts as busy (guest time is already in user); iowait is idle time.
BUSY = ("user", "nice", "system", "irq", "softirq", "steal")


def _cpu_seconds(pids: list[int], children: bool) -> float:
    total = 0.0
    for pid in pids:
        try:
            process = psutil.Process(pid)
            for each in [process, *(process.children(recursive=True) if children else [])]:
                times = each.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def snapshot(groups: dict[str, tuple[list[int], bool]]) -> dict[str, float]:
    """Return CPU seconds so far of each group (pids, whether their children count), of this
    process and of the whole machine."""
    found = {name: _cpu_seconds(pids, children) for name, (pids, children) in groups.items()}
    found["runner"] = time.process_time()
    machine = psutil.cpu_times()
    found["machine"] = sum(getattr(machine, field, 0.0) for field in BUSY)
    return found


def window(groups: Callable[[], dict[str, tuple[list[int], bool]]], seconds: float
           ) -> dict[str, float]:
    """Sleep ``seconds`` and return the cores each group used meanwhile, with ``others``: what
    no process of the stack used (other work sharing the machine)."""
    before, started = snapshot(groups()), time.monotonic()
    time.sleep(seconds)
    after, elapsed = snapshot(groups()), time.monotonic() - started
    cores = {name: round(max(after.get(name, 0.0) - used, 0.0) / elapsed, 3)
             for name, used in before.items()}
    ours = sum(used for name, used in cores.items() if name != "machine")
    cores["others"] = round(max(cores["machine"] - ours, 0.0), 3)
    return cores


def per_request_us(cores: dict[str, float], rps: float) -> dict[str, float]:
    """Return each group's CPU per request (µs) at ``rps`` requests per second."""
    return {name: round(used * 1e6 / rps, 1) if rps else 0.0 for name, used in cores.items()}


def machine_cores() -> int:
    """Return the machine's core count."""
    return os.cpu_count() or 1
