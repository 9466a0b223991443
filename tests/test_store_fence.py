"""The store fence on fakeredis: what a store without markers refuses, and what init does.

The same on real servers, with the ledger and restore: tests/ledger/test_recovery.py and
tests/ledger/test_lost_store.py.
"""

from __future__ import annotations

import json

import pytest
from flask import Flask

from devkit.admin import AdminClient
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from tests.support.answers import error_of
from tests.support.store import FakeRedis, snapshot
from walletsvc import create_app
from walletsvc.commands.store import InitRefused, initialise
from walletsvc.services import EXTENSION, Services
from walletsvc.store import keys
from walletsvc.store.fence import READY, RESTORING


def app_over(redis: FakeRedis, ledger_url: str | None = None) -> Flask:
    app = create_app(base_config(ledger_url=ledger_url), redis=redis, clock=FakeClock())
    app.testing = True
    return app


def services_of(app: Flask) -> Services:
    found: Services = app.extensions[EXTENSION]
    return found


def test_a_store_without_markers_refuses_every_write_and_is_not_ready(operators_url: str
                                                                     ) -> None:
    redis = FakeRedis(initialised=False)
    app = app_over(redis, operators_url)
    admin = AdminClient(app.test_client())
    before = snapshot(redis)
    created = admin.post("/wallets", {"walletId": "w-1", "playerId": "p", "currency": "BRL"})
    assert error_of(created) == (503, 1001, "STORE_NOT_READY")
    assert snapshot(redis) == before == {}
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "walletsvc store init" in " ".join(json_of(ready)["problems"])


def test_init_marks_every_shard_once_and_keeps_the_store_identity(ledger_url: str) -> None:
    redis = FakeRedis(initialised=False)
    app = app_over(redis, ledger_url)
    runner = app.test_cli_runner()
    first = json.loads(runner.invoke(args=["store", "init"]).output)
    assert first["shardsMarked"] == len(keys.SHARDS) == 256
    again = json.loads(runner.invoke(args=["store", "init"]).output)
    assert again == {"store": first["store"], "shardsMarked": 0}
    status = runner.invoke(args=["store", "status"])
    assert status.exit_code == 0 and json.loads(status.output)["ready"] == 256
    assert AdminClient(app.test_client()).wallet("10")  # money moves now


def test_without_a_ledger_init_refuses_a_store_that_lost_some_shards() -> None:
    redis = FakeRedis()
    redis.delete(keys.store_marker("a7"))
    store = services_of(app_over(redis)).store
    with pytest.raises(InitRefused, match="1 shards have no marker"):
        initialise(store, None, 0)
    assert store.fence().missing == ["a7"]


def test_init_refuses_a_store_being_restored() -> None:
    redis = FakeRedis()
    store = services_of(app_over(redis)).store
    store.mark_shards(["00", "01"], RESTORING, "s", 0)
    with pytest.raises(InitRefused, match="ledger restore"):
        initialise(store, None, 0)
    assert sorted(store.fence().restoring) == ["00", "01"]


def test_a_shard_being_restored_refuses_and_the_others_serve(operators_url: str) -> None:
    redis = FakeRedis()
    app = app_over(redis, operators_url)
    admin = AdminClient(app.test_client())
    wallet_id = admin.wallet("10")
    shard = keys.wallet_shard(wallet_id)
    services_of(app).store.mark_shards([shard], RESTORING, "s", 0)
    refused = admin.post(f"/wallets/{wallet_id}/block", {"reason": "the player asked"})
    assert error_of(refused) == (503, 1001, "STORE_NOT_READY")
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'walletsvc_store_shards{state="restoring"} 1.0' in metrics
    services_of(app).store.mark_shards([shard], READY, "s", 0)
    assert admin.post(f"/wallets/{wallet_id}/block", {"reason": "the player asked"}
                      ).status_code == 200
