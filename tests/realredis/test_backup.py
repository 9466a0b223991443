"""A backup of the append-only files, taken as docs/deployment.md says, restores every wallet."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from tests import components
from tests.append_only import MANIFEST, append_only_files, back_up, wait_for_no_rewrite
from tests.redis_server import RedisBinary, RedisServer, redis_binaries
from tests.support.admin import AdminClient
from tests.support.gpas import GpasClient
from tests.support.settings import FakeClock, base_config
from tests.support.store import snapshot
from tests.support.traffic import play
from walletsvc import create_app
from walletsvc.domain.clock import system_clock
from walletsvc.store import connect

pytestmark = pytest.mark.realredis
DURABLE = ("--appendonly", "yes", "--appendfsync", "always")
# Restoring on the same version, and upgrading 6.2's file to 7's directory; never downward.
BINARIES = redis_binaries()
PAIRS = [(older, newer) for n, older in enumerate(BINARIES) for newer in BINARIES[n:]]


@contextmanager
def running(directory: Path, binary: RedisBinary, *extra: str) -> Iterator[redis.Redis]:
    """Run a durable redis-server of ``binary`` on ``directory``; give a client of it."""
    server = RedisServer(directory, *DURABLE, *extra, binary=binary).start()
    client = connect(server.url, socket_timeout=5.0)
    assert isinstance(client, redis.Redis)
    try:
        yield client
    finally:
        client.close()
        server.stop()


def play_a_day(client: redis.Redis, seed: int) -> None:
    """Wallets, sessions, bets, wins and rollbacks through the service, on ``client``."""
    clock = FakeClock(system_clock())
    app = create_app(base_config(), redis=client, clock=clock)
    http = app.test_client()
    play(GpasClient(http), AdminClient(http), clock, random.Random(seed), days=1)


@pytest.mark.parametrize(("written_by", "restored_on"), PAIRS,
                         ids=[f"{old.name}-to-{new.name}" for old, new in PAIRS])
def test_a_backup_of_the_append_only_files_restores_every_key(
        tmp_path: Path, written_by: RedisBinary, restored_on: RedisBinary) -> None:
    for binary in {written_by, restored_on}:
        components.require(binary.problem)
    live, copy = tmp_path / "live", tmp_path / "backup"
    with running(live, written_by) as client:
        play_a_day(client, seed=1)
        client.bgrewriteaof()  # what the rewrite compacted, and what came after it
        wait_for_no_rewrite(client)
        play_a_day(client, seed=2)
        back_up(client, live, copy)
        expected: dict[str, Any] = snapshot(client)
    names = {path.name for path in append_only_files(copy)}
    assert (MANIFEST in names) == (written_by.line == "7"), names  # 7's directory, 6.2's file
    with running(copy, restored_on) as restored:
        assert snapshot(restored) == expected
    assert len(expected) > 20  # wallets, their streams, sessions, records, counters


def test_an_rdb_snapshot_restores_every_key_once_the_append_only_file_is_rebuilt(
        tmp_path: Path, redis_binary: RedisBinary) -> None:
    # Started with appendonly yes, a server ignores the snapshot and comes up empty: restore it
    # with the append-only file off, then turn it on (CONFIG SET writes the file from memory).
    cli = Path(redis_binary.path).with_name("redis-cli")
    components.require(None if cli.exists() else f"no redis-cli beside {redis_binary.path}")
    live, copy = tmp_path / "live", tmp_path / "backup"
    copy.mkdir()
    # Redis 7 waits 5 s for more replicas before it streams a snapshot (redis-cli is one).
    with running(live, redis_binary, "--repl-diskless-sync-delay", "0") as client:
        play_a_day(client, seed=3)
        port = client.connection_pool.connection_kwargs["port"]
        subprocess.run([str(cli), "-p", str(port), "--rdb", str(copy / "dump.rdb")],
                       check=True, capture_output=True, timeout=60)
        expected: dict[str, Any] = snapshot(client)
    server = RedisServer(copy, "--appendonly", "no", "--dbfilename", "dump.rdb",
                         binary=redis_binary).start()
    try:
        restored = redis.Redis(port=server.port, decode_responses=True)
        restored.config_set("appendonly", "yes")
        wait_for_no_rewrite(restored)
        restored.close()
    finally:
        server.stop()
    assert append_only_files(copy)
    with running(copy, redis_binary) as restored:
        assert snapshot(restored) == expected
    assert len(expected) > 20  # wallets, their streams, sessions, records, counters
