"""The Redis primary lost under signed load through gunicorn: what was acknowledged survives.

Each scenario prints its figures (sent, acknowledged, lost, outage seconds) and adds them to
the run's summary. With WALLETSVC_REDIS_MIN_REPLICAS=1 nothing acknowledged may be lost;
without it the books must still balance and the service must recover by itself, and what it
lost is recorded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from devkit.redis import RedisBinary, redis_binaries
from tests.ha.load import Figures, SignedLoad, audit, funded_sessions, record, replays_differing
from tests.ha.servers import SentinelGroup, client, info, wait_for
from tests.support.service import Service
from tests.tools import unavailable

pytestmark = [
    pytest.mark.realredis, pytest.mark.slow,
    # Load for seconds around a kill, with Redis timeouts of seconds: one such scenario at a
    # time (one xdist group), so that two never starve each other of the two cores.
    pytest.mark.xdist_group("failover"),
]
WARM_UP, SETTLE = 2.0, 2.5  # seconds of load before the failure and after the recovery


@pytest.fixture
def start_service(tmp_path: Path, operators_url: str) -> Iterator[Callable[..., Service]]:
    """Start walletsvc under gunicorn over a URL; stopped after the test."""
    started: list[Service] = []

    def start(url: str, min_replicas: int) -> Service:
        service = Service(url, tmp_path / "gunicorn.log", operators_url, workers=4,
                          WALLETSVC_REDIS_MIN_REPLICAS=str(min_replicas),
                          # A replica's acknowledgement takes longer on a loaded machine;
                          # a write it misses is answered 500 (and counted as not sent).
                          WALLETSVC_REDIS_REPLICA_TIMEOUT_MS="1000",
                          WALLETSVC_DUPLICATE_REPLY="replay").start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def groups(tmp_path: Path) -> Iterator[Callable[..., SentinelGroup]]:
    """Start Sentinel groups; stopped after the test."""
    started: list[SentinelGroup] = []

    def start(binary: RedisBinary, **options: Any) -> SentinelGroup:
        group = SentinelGroup(tmp_path / f"group{len(started)}", binary=binary, **options)
        started.append(group)
        return group.start()

    yield start
    for group in started:
        group.stop()


def binary_of(line: str) -> RedisBinary:
    """Return the redis-server of version line ``line`` (6.2, 7), or skip (fail under CI)."""
    binary = next(binary for binary in redis_binaries() if binary.line == line)
    if binary.problem:
        unavailable(binary.problem)
    return binary


def check(figures: Figures, load: SignedLoad, min_replicas: int, failed_at: float) -> None:
    """Assert what every scenario must show, then what MIN_REPLICAS=1 adds."""
    assert figures.acknowledged > 100, figures  # there was load
    assert load.statuses()[500] > 0, load.statuses()  # and the failure hit it
    recovered = failed_at + figures.outage_seconds
    late = [call.status for call in load.calls if call.started > recovered + 1]
    assert late and set(late) == {200}, load.statuses(  # the service recovered by itself
        c for c in load.calls if c.started > recovered + 1)
    if min_replicas:
        assert figures.lost == 0, figures
        assert figures.extra["replays differing"] == 0, figures


def finish(figures_dir: Path, load: SignedLoad, primary_port: int, scenario: str,
           failed_at: float, min_replicas: int, **extra: object) -> Figures:
    """Audit the primary, record the figures; with MIN_REPLICAS, send every acknowledged
    movement again too (its replay is what MIN_REPLICAS promises; without it, the audit of the
    streams counts what was lost)."""
    figures = audit(client(primary_port), load, scenario)
    figures.outage_seconds = load.outage(failed_at)
    figures.extra = dict(extra)
    if min_replicas:
        figures.extra["replays differing"] = len(replays_differing(load))
    record(figures, figures_dir)
    return figures


@pytest.mark.parametrize(("version", "min_replicas"), [("6.2", 1), ("7", 1), ("7", 0)])
def test_killing_the_primary_loses_no_acknowledged_movement(
        version: str, min_replicas: int, groups: Callable[..., SentinelGroup],
        start_service: Callable[..., Service], figures_dir: Path) -> None:
    group = groups(binary_of(version))
    service = start_service(group.url, min_replicas)
    load = SignedLoad(service, funded_sessions(service, 8))
    with load:
        time.sleep(WARM_UP)
        old = group.primary.port
        killed_at = time.monotonic()
        group.primary.kill()
        new = group.wait_for_promotion(old)
        promoted = round(time.monotonic() - killed_at, 2)
        time.sleep(1.0)
        group.primary.start()  # its supervisor brings it back; the Sentinels make it a replica
        wait_for("the old primary to follow the new one",
                 lambda: info(old)["role"] == "slave" and info(old)["master_link_status"] == "up")
        back = round(time.monotonic() - killed_at, 2)
        wait_for("an acknowledgement", lambda: load.outage(killed_at) < float("inf"))
        time.sleep(SETTLE)
    figures = finish(figures_dir, load, new, f"sentinel kill -9, redis {version}, "
                     f"MIN_REPLICAS={min_replicas}", killed_at, min_replicas,
                     promoted_after=promoted, old_primary_back_after=back)
    check(figures, load, min_replicas, killed_at)


@pytest.mark.parametrize("version", ["7"])
def test_a_primary_restarted_at_once_from_its_files_loses_no_acknowledged_movement(
        version: str, groups: Callable[..., SentinelGroup],
        start_service: Callable[..., Service], figures_dir: Path) -> None:
    group = groups(binary_of(version))
    service = start_service(group.url, 1)
    load = SignedLoad(service, funded_sessions(service, 8))
    with load:
        time.sleep(WARM_UP)
        killed_at = time.monotonic()
        group.primary.kill()
        group.primary.start()
        wait_for("an acknowledgement", lambda: load.outage(killed_at) < float("inf"))
        time.sleep(SETTLE + 2)  # long enough for a late failover to happen under load
    primary = group.primary_port()
    assert primary is not None
    figures = finish(figures_dir, load, primary, f"sentinel kill -9 + restart at once, redis "
                     f"{version}, MIN_REPLICAS=1", killed_at, 1,
                     failed_over=primary != group.primary.port)
    check(figures, load, 1, killed_at)


def test_with_two_replicas_writes_resume_without_the_lost_node(
        groups: Callable[..., SentinelGroup], start_service: Callable[..., Service],
        figures_dir: Path) -> None:
    group = groups(binary_of("7"), replicas=2)
    service = start_service(group.url, 1)
    load = SignedLoad(service, funded_sessions(service, 8))
    with load:
        time.sleep(WARM_UP)
        old = group.primary.port
        killed_at = time.monotonic()
        group.primary.kill()  # and it never comes back
        new = group.wait_for_promotion(old)
        promoted = round(time.monotonic() - killed_at, 2)
        wait_for("an acknowledgement", lambda: load.outage(killed_at) < float("inf"))
        time.sleep(SETTLE)
    figures = finish(figures_dir, load, new, "sentinel kill -9, two replicas, redis 7, "
                     "MIN_REPLICAS=1", killed_at, 1, promoted_after=promoted)
    check(figures, load, 1, killed_at)


@pytest.mark.parametrize("min_replicas", [1, 0])
def test_a_primary_cut_off_from_its_replica_acknowledges_nothing_meanwhile(
        min_replicas: int, groups: Callable[..., SentinelGroup],
        start_service: Callable[..., Service], figures_dir: Path) -> None:
    group = groups(binary_of("7"), through_proxy=True)
    assert group.proxy is not None
    service = start_service(group.url, min_replicas)
    load = SignedLoad(service, funded_sessions(service, 8))
    with load:
        time.sleep(WARM_UP)
        group.proxy.cut()
        cut_at = time.monotonic()
        time.sleep(4.0)
        healed_at = time.monotonic()
        group.proxy.heal()
        wait_for("the replica to catch up", lambda: info(group.replicas[0].port)[
            "master_link_status"] == "up")
        time.sleep(SETTLE)
    during = [call for call in load.calls if cut_at < call.started and call.ended < healed_at]
    acknowledged_during = sum(1 for call in during if call.status == 200)
    figures = finish(figures_dir, load, group.primary.port, f"primary cut off from its replica "
                     f"for 4 s, redis 7, MIN_REPLICAS={min_replicas}", cut_at, min_replicas,
                     sent_during_cut=len(during), acknowledged_during_cut=acknowledged_during)
    assert len(during) > 10, figures  # movements were sent while the replica was unreachable
    if min_replicas:
        assert acknowledged_during == 0, figures
        check(figures, load, 1, cut_at)
    else:  # the risk MIN_REPLICAS closes: answered while only the primary had them
        assert acknowledged_during > 10, figures
