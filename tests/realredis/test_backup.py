"""Backups beyond one version's append-only file: a 6.2 copy upgraded to 7, an RDB snapshot.

The guide's backup and restore-check scripts on 6.2 and on 7 are tested in
tests/deploy/test_backup.py; here, what docs/deployment.md says besides.
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.redis import RedisBinary, RedisServer, redis_binaries
from devkit.settings import FakeClock, base_config
from devkit.store import ready
from tests.support.store import snapshot
from tests.support.traffic import play
from tests.tools import unavailable
from walletsvc import create_app
from walletsvc.clock import system_clock
from walletsvc.store import connect

pytestmark = pytest.mark.realredis
DURABLE = ("--appendonly", "yes", "--appendfsync", "always")
BACKUP = Path(__file__).resolve().parents[2] / "scripts" / "redis-backup.sh"


def runnable(*binaries: RedisBinary) -> None:
    """Go on when every binary runs; else skip the test (fail it under CI)."""
    for binary in binaries:
        if binary.problem:
            unavailable(binary.problem)


def cli_of(binary: RedisBinary) -> str:
    """Return the redis-cli beside ``binary``."""
    return str(Path(binary.path).with_name("redis-cli"))


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


def play_a_day(client: redis.Redis, seed: int, ledger_url: str) -> None:
    """Wallets, sessions, bets, wins and rollbacks through the service, on ``client`` (its
    operators at ``ledger_url``)."""
    clock = FakeClock(system_clock())
    app = create_app(base_config(ledger_url=ledger_url), redis=ready(client), clock=clock)
    http = app.test_client()
    play(GpasClient(http), AdminClient(http), clock, random.Random(seed), days=1)


def wait_for_no_rewrite(client: redis.Redis, seconds: float = 60) -> None:
    """Wait until no append-only rewrite is running or scheduled."""
    deadline = time.monotonic() + seconds
    while any(client.info("persistence")[field]
              for field in ("aof_rewrite_in_progress", "aof_rewrite_scheduled")):
        assert time.monotonic() < deadline, "the append-only rewrite did not finish"
        time.sleep(0.05)


def test_a_backup_of_redis_6_2_restores_every_key_on_redis_7(tmp_path: Path,
                                                             operators_url: str) -> None:
    old, new = redis_binaries()
    runnable(old, new)
    live, copy = tmp_path / "live", tmp_path / "backup"
    with running(live, old) as client:
        play_a_day(client, 1, operators_url)
        client.bgrewriteaof()  # what the rewrite compacted, and what came after it
        wait_for_no_rewrite(client)
        play_a_day(client, 2, operators_url)
        port = client.connection_pool.connection_kwargs["port"]
        subprocess.run([str(BACKUP), str(copy), "-p", str(port)], check=True,
                       capture_output=True, timeout=120, env={**os.environ,
                                                              "REDIS_CLI": cli_of(old)})
        expected: dict[str, Any] = snapshot(client)
    assert sorted(path.name for path in copy.iterdir()) == ["appendonly.aof"]
    with running(copy, new) as restored:  # 7 moves the file into appendonlydir/ at start
        assert snapshot(restored) == expected
    assert (copy / "appendonlydir").is_dir()
    assert len(expected) > 20  # wallets, their streams, sessions, records, counters


def test_an_rdb_snapshot_restores_every_key_once_the_append_only_file_is_rebuilt(
        tmp_path: Path, redis_binary: RedisBinary, operators_url: str) -> None:
    # Started with appendonly yes, a server ignores the snapshot and comes up empty: restore it
    # with the append-only file off, then turn it on (CONFIG SET writes the file from memory).
    cli = cli_of(redis_binary)
    if not Path(cli).exists():
        unavailable(f"no redis-cli beside {redis_binary.path}")
    live, copy = tmp_path / "live", tmp_path / "backup"
    copy.mkdir()
    # Redis 7 waits 5 s for more replicas before it streams a snapshot (redis-cli is one).
    with running(live, redis_binary, "--repl-diskless-sync-delay", "0") as client:
        play_a_day(client, 3, operators_url)
        port = client.connection_pool.connection_kwargs["port"]
        subprocess.run([cli, "-p", str(port), "--rdb", str(copy / "dump.rdb")],
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
    assert (copy / "appendonlydir").is_dir() or (copy / "appendonly.aof").exists()
    with running(copy, redis_binary) as restored:
        assert snapshot(restored) == expected
    assert len(expected) > 20  # wallets, their streams, sessions, records, counters
