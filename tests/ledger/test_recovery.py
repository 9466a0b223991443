"""A store that lost its data never moves money; restore brings it back, resumably, once.

The fence (walletsvc/store/fence.py) against a real redis-server, with the ledger in a real
PostgreSQL: Redis emptied under the app refuses every write, init refuses a store the ledger
says held wallets, a restore stopped part-way leaves its shards fenced and finishes when run
again, and GPAS resending acknowledged references while restore runs applies none of them.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from devkit.admin import open_session
from devkit.responses import json_of
from devkit.store import stream_entries
from tests.support.answers import error_of
from tests.support.ledger import Bench
from tests.support.store import all_keys, snapshot
from tests.support.traffic import play
from walletsvc.commands.store import InitRefused, initialise
from walletsvc.ledger.restore import restore
from walletsvc.store import keys
from walletsvc.store.restoring import ShardWriter

RETENTION_MS = 120 * 86_400_000


def wallet_ids(bench: Bench) -> list[str]:
    return sorted(row[0] for row in bench.sql("SELECT wallet_id FROM ledger_wallets"))


def balances(bench: Bench) -> dict[str, tuple[int, int]]:
    """Every wallet's (REAL, BONUS) in minor units, as Redis holds it."""
    found = {}
    for wallet_id in wallet_ids(bench):
        wallet = bench.store.wallet(wallet_id)
        assert wallet is not None, wallet_id
        found[wallet_id] = (wallet.balance.real, wallet.balance.bonus)
    return found


def movements(bench: Bench) -> list[tuple[str, str]]:
    """(reference, event) of every movement the ledger holds, one row per application."""
    return sorted(bench.sql("SELECT reference, event FROM ledger_entries"
                            " WHERE event IN ('debit', 'credit', 'rollback')"))


@pytest.fixture
def played(bench: Bench) -> Iterator[Bench]:
    """A bench with three days of traffic exported to the ledger."""
    play(bench.gpas, bench.admin, bench.clock, random.Random(11), days=3)
    bench.export()
    yield bench


def test_an_emptied_store_refuses_every_write_and_readyz_says_how_out(played: Bench) -> None:
    bench = played
    wallet_id = wallet_ids(bench)[0]
    bench.redis.flushall()
    before = snapshot(bench.redis)

    ready = bench.app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert any("store init" in p and "ledger restore" in p for p in json_of(ready)["problems"])
    # Writes that reach a script are fenced; an operator call that first reads the wallet
    # finds none to act on. Either way nothing is written.
    fenced = [
        bench.admin.post("/wallets", {"walletId": wallet_id, "playerId": "p", "currency": "BRL"}),
        bench.admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"}),
    ]
    assert [error_of(r) for r in fenced] == [(503, 1001, "STORE_NOT_READY")] * 2
    missing = [
        bench.admin.post(f"/wallets/{wallet_id}/deposits",
                         {"amount": "5", "subWallet": "REAL", "reference": "again"}),
        bench.admin.post("/launch-tokens", {"walletId": wallet_id}),
    ]
    assert [error_of(r) for r in missing] == [(404, 1010, "NOT_FOUND")] * 2
    assert snapshot(bench.redis) == before
    metrics = bench.app.test_client().get("/metrics").get_data(as_text=True)
    assert 'walletsvc_store_shards{state="missing"} 256.0' in metrics
    assert "walletsvc_ready 0.0" in metrics


def test_init_refuses_a_store_the_ledger_says_held_wallets(played: Bench) -> None:
    bench = played
    bench.redis.flushall()
    with bench.conn() as conn, pytest.raises(InitRefused, match="ledger restore"):
        initialise(bench.store, conn, bench.clock())
    assert bench.store.fence().fresh
    result = bench.app.test_cli_runner().invoke(args=["store", "init"])
    assert result.exit_code == 1 and "ledger restore" in result.output


def test_init_marks_a_new_store_and_then_changes_nothing(bench: Bench) -> None:
    bench.redis.flushall()
    runner = bench.app.test_cli_runner()
    first = runner.invoke(args=["store", "init"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["shardsMarked"] == 256
    assert bench.store.fence().whole
    again = runner.invoke(args=["store", "init"])
    assert json.loads(again.output) == {**json.loads(first.output), "shardsMarked": 0}
    assert bench.app.test_client().get("/readyz").status_code == 200


class Stop(Exception):
    """The restore's crash, part-way."""


def test_a_restore_stopped_part_way_stays_fenced_and_finishes_when_run_again(
        played: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = played
    before, applied = balances(bench), movements(bench)
    bench.redis.flushall()
    last = max(keys.wallet_shard(wallet) for wallet in wallet_ids(bench))
    original = ShardWriter.finish_shard

    def crashing(self: ShardWriter, shard: str, *args: Any) -> int:
        if shard == last:  # the shards before it are ready; it and those after are not
            raise Stop()
        return original(self, shard, *args)

    monkeypatch.setattr(ShardWriter, "finish_shard", crashing)
    with bench.conn() as conn, pytest.raises(Stop):
        restore(bench.store, conn, RETENTION_MS, bench.clock())
    fence = bench.store.fence()
    assert fence.ready and fence.restoring and not fence.missing  # stopped part-way
    stranded = next(w for w in wallet_ids(bench)
                    if keys.wallet_shard(w) in fence.restoring)
    refused = bench.admin.post(f"/wallets/{stranded}/block", {"reason": "test"})
    assert error_of(refused)[2] == "STORE_NOT_READY"
    assert bench.app.test_client().get("/readyz").status_code == 503

    monkeypatch.setattr(ShardWriter, "finish_shard", original)
    result = bench.app.test_cli_runner().invoke(args=["ledger", "restore"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["shards"] == len(fence.restoring)
    assert bench.store.fence().whole
    assert balances(bench) == before
    once = restored_references(bench)
    with bench.conn() as conn:
        restore(bench.store, conn, RETENTION_MS, bench.clock())  # a third run: nothing to do
    assert restored_references(bench) == once
    assert movements(bench) == applied


def restored_references(bench: Bench) -> dict[str, Any]:
    """Every movement record, tombstone and wallet stream in Redis."""
    return {key: value for key, value in snapshot(bench.redis).items()
            if key.startswith(("m:", "wx:", "adj:", "rc:"))}


def test_gpas_resending_during_a_restore_applies_nothing_twice(played: Bench) -> None:
    bench = played
    before, applied = balances(bench), movements(bench)
    debits = bench.sql("SELECT wallet_id, reference FROM ledger_entries WHERE event = 'debit'")
    assert len(debits) > 20
    bench.redis.flushall()
    answers: list[tuple[str, int]] = []
    refused, done = threading.Event(), threading.Event()

    def resend() -> None:
        """Open a session on each wallet and resend its debits, again and again."""
        while not done.is_set():
            for wallet_id, reference in debits[:20]:
                issued = bench.admin.post("/launch-tokens", {"walletId": wallet_id})
                answers.append(("token", issued.status_code))
                if issued.status_code != 201:  # 503, or 404 while the wallet is not back
                    refused.set()
                    continue
                session = bench.gpas.open_session(wallet_id, json_of(issued)["authToken"])
                answers.append(("session", session.status_code))
                if session.status_code == 200:
                    debit = bench.gpas.debit(json_of(session)["id"], "1", reference=reference)
                    answers.append(("debit", debit.status_code))

    sender = threading.Thread(target=resend)
    sender.start()
    try:
        assert refused.wait(30)  # the sender meets the fenced store before restore starts
        with bench.conn() as conn:
            restore(bench.store, conn, RETENTION_MS, bench.clock())
    finally:
        done.set()
        sender.join()
    assert ("debit", 200) not in answers
    assert {status for kind, status in answers if kind == "debit"} <= {400}
    assert balances(bench) == before
    bench.export()
    assert movements(bench) == applied  # no resend became a movement
    for wallet_id, reference in debits[:20]:
        _, sid = open_session_on(bench, wallet_id)
        assert error_of(bench.gpas.debit(sid, "1", reference=reference))[1] == 1003


def open_session_on(bench: Bench, wallet_id: str) -> tuple[str, str]:
    response = bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id))
    assert response.status_code == 200, response.get_data(as_text=True)
    return wallet_id, str(json_of(response)["id"])


def test_an_emptied_shard_of_a_live_store_is_fenced_alone(bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin)
    other_id, other_session = open_session(bench.gpas, bench.admin)
    while keys.wallet_shard(other_id) == keys.wallet_shard(wallet_id):
        other_id, other_session = open_session(bench.gpas, bench.admin)
    bench.redis.delete(keys.store_marker(keys.wallet_shard(wallet_id)))
    assert error_of(bench.gpas.debit(session_id, "1"))[2] == "STORE_NOT_READY"
    assert bench.gpas.debit(other_session, "1").status_code == 200


def audit_streams(bench: Bench) -> dict[str, list[tuple[int, list[tuple[str, str]]]]]:
    """Every wallet stream's entries: the id's milliseconds, and the fields in their order."""
    return {key: [(int(entry_id.split("-")[0]), list(fields.items()))
                  for entry_id, fields in stream_entries(bench.redis, key)]
            for key in all_keys(bench.redis, "wx:*")}


def test_restored_audit_entries_keep_their_fields_in_order_and_their_time(
        played: Bench) -> None:
    bench = played
    before = audit_streams(bench)
    assert sum(map(len, before.values())) > 50
    bench.redis.flushall()
    with bench.conn() as conn:
        restore(bench.store, conn, RETENTION_MS, bench.clock())
    after = audit_streams(bench)
    assert {key: [fields for _, fields in entries] for key, entries in after.items()} == {
        key: [fields for _, fields in entries] for key, entries in before.items()}
    # A restored entry's id is its outbox entry's, written by the same script call as the
    # wallet stream's own: the same millisecond, or the next.
    gaps = {after_ms - before_ms for key, entries in before.items()
            for (before_ms, _), (after_ms, _) in zip(entries, after[key], strict=True)}
    assert gaps and gaps <= {0, 1}
