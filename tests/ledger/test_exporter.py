"""The exporter: every change in PostgreSQL exactly once, acknowledged only after commit."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from devkit.admin import open_session
from tests.support.ledger import Bench
from walletsvc.ledger.database import LedgerUnreachable
from walletsvc.ledger.exporter import Exporter, ExportSettings
from walletsvc.ledger.writer import LedgerWriter
from walletsvc.store.outbox import Outbox


def play(bench: Bench, rounds: int = 5) -> tuple[str, str]:
    """A wallet with a few rounds of bets, wins and a rollback; return (wallet, session)."""
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100", bonus="10")
    for n in range(rounds):
        bet, win = f"bet-{n}-{wallet_id}", f"win-{n}-{wallet_id}"
        assert bench.gpas.debit(session_id, "3.50", reference=bet).status_code == 200
        assert bench.gpas.credit(session_id, "1.25", reference=win).status_code == 200
    rollback = bench.gpas.rollback(session_id, f"bet-0-{wallet_id}", reference=f"rb-{wallet_id}")
    assert rollback.status_code == 200
    return wallet_id, session_id


def ledger_balance(bench: Bench, wallet_id: str) -> tuple[int, int]:
    rows = bench.sql("SELECT coalesce(sum(real_delta), 0), coalesce(sum(bonus_delta), 0)"
                     " FROM ledger_entries WHERE wallet_id = %s", wallet_id)
    return int(rows[0][0]), int(rows[0][1])


def redis_balance(bench: Bench, wallet_id: str) -> tuple[int, int]:
    balance = bench.admin.balance(wallet_id)
    return int(balance["real"] * 100), int(balance["bonus"] * 100)


def test_export_moves_every_change_once_and_empties_the_outbox(any_bench: Bench) -> None:
    wallet_id, _ = play(any_bench)
    stats = any_bench.export()
    assert stats.inserted == stats.read == 1 + 2 + 1 + 10 + 1
    assert Outbox(any_bench.redis).backlog().pending == 0
    assert ledger_balance(any_bench, wallet_id) == redis_balance(any_bench, wallet_id)
    assert any_bench.sql("SELECT real, bonus FROM ledger_wallets WHERE wallet_id = %s",
                         wallet_id) == [ledger_balance(any_bench, wallet_id)]
    assert any_bench.export().inserted == 0


def test_entries_committed_but_not_acknowledged_count_once(bench: Bench) -> None:
    wallet_id, _ = play(bench)
    outbox = Outbox(bench.redis)
    outbox.ensure_groups()
    delivered = outbox.read("crashed-after-commit", 1000)
    with bench.conn() as conn:
        LedgerWriter(conn).write(delivered)  # committed, then the process died: no XACK
    assert outbox.backlog().pending == len(delivered)

    stats = bench.export(claim_idle_ms=0)

    assert stats.read == len(delivered) and stats.inserted == 0
    assert outbox.backlog().pending == 0
    assert bench.sql("SELECT count(*) FROM ledger_entries") == [(len(delivered),)]
    assert bench.sql("SELECT real, bonus FROM ledger_wallets WHERE wallet_id = %s",
                     wallet_id) == [redis_balance(bench, wallet_id)]


def test_a_dead_consumers_pending_entries_wait_until_idle_then_are_taken_over(
        bench: Bench) -> None:
    play(bench)
    outbox = Outbox(bench.redis)
    outbox.ensure_groups()
    taken = outbox.read("died-before-commit", 1000)
    assert bench.export(claim_idle_ms=60_000).inserted == 0
    assert outbox.backlog().pending == len(taken)
    assert bench.export(claim_idle_ms=0).inserted == len(taken)
    assert outbox.backlog().pending == 0


def test_while_postgres_is_unreachable_entries_wait_in_redis(bench: Bench,
                                                             unused_url: str) -> None:
    wallet_id, _ = play(bench)
    waiting = Outbox(bench.redis).backlog().pending
    exporter = Exporter(bench.redis, unused_url)
    with pytest.raises(LedgerUnreachable):
        exporter.export_pending()
    assert Outbox(bench.redis).backlog().pending == waiting
    assert bench.gpas.debit(open_session(bench.gpas, bench.admin)[1], "1").status_code == 200
    assert bench.export().inserted == waiting + 4  # created, deposit, opened, debit
    assert ledger_balance(bench, wallet_id) == redis_balance(bench, wallet_id)


def test_exporters_running_together_insert_each_change_once(any_bench: Bench) -> None:
    wallets = [play(any_bench, rounds=10)[0] for _ in range(4)]
    stop = threading.Event()
    exporters = [Exporter(any_bench.redis, any_bench.url,
                          ExportSettings(per_shard=3, claim_idle_ms=0, claim_every_s=0))
                 for _ in range(3)]
    threads = [threading.Thread(target=e.follow, args=(stop,)) for e in exporters]
    for thread in threads:
        thread.start()
    outbox = Outbox(any_bench.redis)
    for _ in range(300):
        if outbox.backlog().pending == 0:
            break
        stop.wait(0.1)
    stop.set()
    for thread in threads:
        thread.join(30)
    assert outbox.backlog().pending == 0
    assert sum(e.stats.inserted for e in exporters) == 4 * (4 + 20 + 1)
    assert sum(e.stats.batches for e in exporters) >= 2
    duplicates = any_bench.sql("SELECT reference, count(*) FROM ledger_entries WHERE"
                               " reference IS NOT NULL GROUP BY wallet_id, reference"
                               " HAVING count(*) > 1")
    assert duplicates == []
    for wallet_id in wallets:
        assert ledger_balance(any_bench, wallet_id) == redis_balance(any_bench, wallet_id)


def test_lag_and_pending_entries_are_scraped_from_redis(bench: Bench) -> None:
    play(bench)
    before = bench.app.test_client().get("/metrics").get_data(as_text=True)
    bench.export()
    after = bench.app.test_client().get("/metrics").get_data(as_text=True)
    assert "walletsvc_ledger_pending_entries 15.0" in before
    lag = next(line for line in before.splitlines()
               if line.startswith("walletsvc_ledger_lag_seconds "))
    assert Decimal(lag.split()[1]) >= 0
    assert "walletsvc_ledger_pending_entries 0.0" in after
    assert "walletsvc_ledger_lag_seconds 0.0" in after
