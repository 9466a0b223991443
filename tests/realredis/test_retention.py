"""Retention: the trim command removes only what is older than the retention period."""

from __future__ import annotations

import json

import pytest

from devkit.admin import AdminClient
from devkit.settings import FakeClock, base_config
from devkit.store import stream_entries
from walletsvc import create_app
from walletsvc.clock import system_clock
from walletsvc.store import RedisClient, keys

pytestmark = pytest.mark.realredis
DAY_MS = 86_400_000


def test_trim_audit_removes_only_entries_older_than_the_retention(real_redis: RedisClient,
                                                                  operators_url: str) -> None:
    now = system_clock()
    app = create_app(base_config(retention_days=120, ledger_url=operators_url), redis=real_redis,
                     clock=FakeClock(now))
    admin = AdminClient(app.test_client())
    wallet_id = admin.wallet()
    stream = keys.wallet_stream(wallet_id)
    ages_days = [200, 121, 120.01, 119.99, 30]
    for age in ages_days:
        real_redis.xadd(stream, {"event": "deposit", "real": "0", "bonus": "0"},
                        id=f"{now - int(age * DAY_MS)}-0")
    index = keys.wallet_sessions(wallet_id)
    real_redis.zadd(index, {"too-old": now - 122 * DAY_MS, "may-still-exist": now - 120.5 * DAY_MS})
    admin.post(f"/wallets/{wallet_id}/deposits",
               {"amount": "1", "subWallet": "REAL", "reference": "fresh"})

    result = app.test_cli_runner().invoke(args=["trim-audit"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"walletsSwept": 1, "entriesRemoved": 3}
    kept = [int(entry_id.split("-")[0]) for entry_id, _ in stream_entries(real_redis, stream)]
    assert [round((now - ms) / DAY_MS, 2) for ms in kept[:2]] == [119.99, 30]
    assert len(kept) == 3
    assert real_redis.zrange(index, 0, -1) == ["may-still-exist"]


def test_trim_audit_with_nothing_old_removes_nothing(real_redis: RedisClient,
                                                     operators_url: str) -> None:
    app = create_app(base_config(ledger_url=operators_url), redis=real_redis,
                     clock=FakeClock(system_clock()))
    admin = AdminClient(app.test_client())
    wallet_id = admin.wallet(real="10", bonus="5")
    before = real_redis.xrange(keys.wallet_stream(wallet_id))
    result = app.test_cli_runner().invoke(args=["trim-audit"])
    assert json.loads(result.output) == {"walletsSwept": 1, "entriesRemoved": 0}
    assert real_redis.xrange(keys.wallet_stream(wallet_id)) == before
