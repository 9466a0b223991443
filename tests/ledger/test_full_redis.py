"""The exporter frees Redis when it is full: it starts, and reconnects to PostgreSQL, over
``maxmemory`` without a write Redis refuses, drains the outbox, and Redis accepts writes again.

Each test has a redis-server of its own (a small ``maxmemory`` would refuse the other tests'
writes), on every Redis version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis.exceptions import OutOfMemoryError

from devkit.admin import open_session
from devkit.redis import RedisBinary, RedisServer
from devkit.store import ready
from tests.ha.proxy import TcpProxy
from tests.support.answers import error_of
from tests.support.ledger import Bench, make_bench
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.store import connect, keys
from walletsvc.store.outbox import Outbox

pytestmark = pytest.mark.realredis
BACKLOG = 600  # debits waiting for the ledger: their outbox entries are what Redis frees
REFUSED = (500, 1001, "SYSTEM_ERROR")


@pytest.fixture
def full(redis_binary: RedisBinary, tmp_path: Path, ledger_url: str) -> Iterator[Bench]:
    """The app over a redis-server of its own, with a ledger; the server stopped afterwards."""
    server = RedisServer(tmp_path / "redis", binary=redis_binary).start()
    client = ready(connect(server.url, socket_timeout=5.0))
    try:
        yield make_bench(client, ledger_url)
    finally:
        client.close()
        server.stop()


def fill(bench: Bench, session_id: str) -> None:
    """Leave a backlog in the outbox, then lower ``maxmemory`` below what Redis uses.

    Below by a quarter of what the outbox takes: over the limit whatever Redis's own buffers
    do meanwhile, and under it once the exporter has deleted the backlog.
    """
    for n in range(BACKLOG):
        assert bench.gpas.debit(session_id, "0.01", reference=f"backlog-{n}").status_code == 200
    outbox = sum(int(bench.redis.memory_usage(keys.outbox(shard), samples=0) or 0)
                 for shard in keys.SHARDS)
    used = int(bench.redis.info("memory")["used_memory"])
    bench.redis.config_set("maxmemory", used - outbox // 4)
    assert error_of(bench.gpas.debit(session_id, "0.01", reference="refused")) == REFUSED
    with pytest.raises(OutOfMemoryError):
        bench.redis.xgroup_create("probe", "probe", mkstream=True)  # what the old start ran


def drained_and_writable(bench: Bench, session_id: str) -> None:
    """The outbox is empty, every debit is in the ledger once, and a new debit is applied."""
    assert Outbox(bench.redis).backlog().pending == 0
    references = bench.sql("SELECT count(DISTINCT reference), count(*) FROM ledger_entries"
                           " WHERE reference LIKE 'backlog-%%'")
    assert references == [(BACKLOG, BACKLOG)]
    assert bench.gpas.debit(session_id, "0.01", reference="after").status_code == 200


def test_an_exporter_started_while_redis_is_full_drains_the_outbox(full: Bench) -> None:
    _, session_id = open_session(full.gpas, full.admin, real="100")
    full.export()  # an earlier exporter made the consumer groups, then stopped
    fill(full, session_id)

    stats = full.export()

    assert stats.inserted >= BACKLOG
    drained_and_writable(full, session_id)


def test_an_exporter_back_from_a_postgres_outage_while_redis_is_full_drains_the_outbox(
        full: Bench, caplog: pytest.LogCaptureFixture) -> None:
    _, session_id = open_session(full.gpas, full.admin, real="100")
    full.export()  # an earlier run made the consumer groups
    port = int(full.url.rsplit(":", 1)[1].split("/")[0])
    proxy = TcpProxy(port).start()
    proxy.cut()  # PostgreSQL is unreachable from the exporter's start
    exporter = Exporter(full.redis, full.url.replace(f":{port}/", f":{proxy.port}/"),
                        ExportSettings(max_backoff_s=0.2))
    stop = threading.Event()
    following = threading.Thread(target=exporter.follow, args=(stop,))
    following.start()
    try:
        fill(full, session_id)
        proxy.heal()
        outbox, deadline = Outbox(full.redis), time.monotonic() + 60
        while outbox.backlog().pending and time.monotonic() < deadline:
            stop.wait(0.1)
    finally:
        stop.set()
        following.join(30)
        proxy.stop()
    drained_and_writable(full, session_id)
    # It waited for PostgreSQL only: not one of its commands was refused for memory.
    paused = [r.getMessage() for r in caplog.records if r.name == "walletsvc.ledger"]
    assert any("PostgreSQL is unreachable" in message for message in paused)
    assert [message for message in paused if "maxmemory" in message] == []
