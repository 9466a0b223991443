"""verify and restore: Redis against the ledger, and Redis rebuilt from it."""

from __future__ import annotations

import random

import pytest

from devkit.admin import open_session
from devkit.responses import json_of
from tests.support.answers import error_of
from tests.support.ledger import Bench
from tests.support.store import snapshot
from tests.support.traffic import play, report
from walletsvc.ledger.restore import RestoreRefused, restore
from walletsvc.ledger.verify import verify
from walletsvc.store import RedisClient, keys

ALL_DAYS = "date_from=2026-09-21&date_to=2026-10-01"


def references(redis: RedisClient) -> list[tuple[str, str]]:
    """Return (wallet, reference) of every movement record and tombstone in Redis."""
    found = []
    for key in redis.scan_iter(match="m:*", count=1000):
        wallet = redis.get(keys.reference_owner("BL13GT", key.split(":", 3)[3]))
        found.append((str(wallet), key.split(":", 3)[3]))
    return sorted(found)


def wallets(bench: Bench) -> dict[str, dict[str, object]]:
    ids = [key.split(":", 2)[2] for key in bench.redis.scan_iter(match="w:*")]
    return {wallet_id: json_of(bench.admin.get(f"/wallets/{wallet_id}")) for wallet_id in ids}


def test_verify_finds_nothing_once_exported_and_lists_a_tampered_balance(bench: Bench) -> None:
    play(bench.gpas, bench.admin, bench.clock, random.Random(3), days=2)
    bench.export()
    with bench.conn() as conn:
        assert verify(bench.redis, conn, now_ms=bench.clock(), retention_ms=120 * 86_400_000,
                      wait_s=0).clean
    wallet_id = next(iter(wallets(bench)))
    bench.redis.hincrby(keys.wallet(wallet_id), "real", 1)
    result = bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0"])
    assert result.exit_code == 1
    assert f"{wallet_id}: real: Redis" in result.output


def test_restore_leaves_a_store_whose_shards_are_all_ready_alone(bench: Bench) -> None:
    open_session(bench.gpas, bench.admin)
    bench.export()
    before = snapshot(bench.redis)
    with bench.conn() as conn:
        assert restore(bench.store, conn, 120 * 86_400_000, bench.clock()).shards == 0
    assert snapshot(bench.redis) == before


def test_restore_refuses_a_shard_that_lost_its_marker_but_holds_its_wallets(
        bench: Bench) -> None:
    wallet_id, _ = open_session(bench.gpas, bench.admin)
    bench.export()
    bench.redis.delete(keys.store_marker(keys.wallet_shard(wallet_id)))
    with bench.conn() as conn, pytest.raises(RestoreRefused, match="store init"):
        restore(bench.store, conn, 120 * 86_400_000, bench.clock())
    assert bench.store.fence().missing == [keys.wallet_shard(wallet_id)]


def test_after_restore_references_balances_and_reconciliation_are_what_they_were(
        any_bench: Bench) -> None:
    bench = any_bench
    play(bench.gpas, bench.admin, bench.clock, random.Random(5), days=3)
    blocked = open_session(bench.gpas, bench.admin, real="7")[0]
    bench.admin.post(f"/wallets/{blocked}/block", {"reason": "test"})
    bench.export()
    before = {"wallets": wallets(bench), "references": references(bench.redis),
              "report": report(bench.app.test_client(), ALL_DAYS)}
    assert len(before["references"]) > 50

    bench.redis.flushall()
    result = bench.app.test_cli_runner().invoke(args=["ledger", "restore"])

    assert result.exit_code == 0, result.output
    assert wallets(bench) == before["wallets"]
    assert references(bench.redis) == before["references"]
    assert report(bench.app.test_client(), ALL_DAYS) == before["report"]
    assert before["wallets"][blocked]["blocked"] is True
    for wallet_id, reference in before["references"][:40]:
        if wallet_id == blocked:
            continue
        _, session_id = new_session(bench, wallet_id)
        assert error_of(bench.gpas.debit(session_id, "1", reference=reference))[1] == 1003
    again = bench.admin.post(f"/wallets/{blocked}/deposits", {
        "amount": "7", "subWallet": "REAL", "reference": "fund-REAL"})
    assert again.status_code == 200
    assert bench.admin.balance(blocked)["real"] == 7  # replayed, not applied twice


def new_session(bench: Bench, wallet_id: str) -> tuple[str, str]:
    token = bench.admin.token(wallet_id)
    response = bench.gpas.open_session(wallet_id, token)
    assert response.status_code == 200, response.get_data(as_text=True)
    return wallet_id, str(json_of(response)["id"])


def test_sessions_are_not_restored(bench: Bench) -> None:
    _, session_id = open_session(bench.gpas, bench.admin)
    bench.export()
    bench.redis.flushall()
    with bench.conn() as conn:
        restore(bench.store, conn, 120 * 86_400_000, bench.clock())
    assert error_of(bench.gpas.balance(session_id))[1] == 1004
