"""ledger verify proves exactly-once: a reference applied twice, in the ledger alone or in both
stores, and a reference Redis no longer records as the ledger does, are found and named."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from click.testing import Result

from devkit.admin import open_session
from devkit.responses import json_of
from devkit.settings import PARENT_ID
from tests.support.ledger import Bench, movement_ids, replay_after_redis_lost_its_data
from tests.support.traffic import play
from walletsvc.ledger.doubled import Doubled
from walletsvc.ledger.verify import Verdict, verify
from walletsvc.ledger.writer import LedgerWriter
from walletsvc.store import keys
from walletsvc.store.outbox import OutboxEntry

RETENTION_MS = 120 * 86_400_000  # the tests' settings keep the default retention


def run_verify(bench: Bench, wait_s: float = 0) -> Verdict:
    """Run every check as the command does."""
    with bench.conn() as conn:
        return verify(bench.redis, conn, now_ms=bench.clock(), retention_ms=RETENTION_MS,
                      wait_s=wait_s)


def verify_command(bench: Bench, *options: str) -> Result:
    """Run `walletsvc ledger verify --wait 0`."""
    return bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0",
                                                    *options])


def named(doubled: list[Doubled]) -> dict[tuple[str | None, str], list[tuple[Any, ...]]]:
    """Map each doubled reference to its applications: (wallet, event, movement, amount)."""
    return {(d.parent_system, d.reference): [(a.wallet_id, a.event, a.movement_id, a.amount)
                                             for a in d.applications] for d in doubled}


def apply_again_in_the_ledger(bench: Bench, reference: str, movement_id: str) -> None:
    """Write a second entry of a reference's change into the ledger, under another movement id
    and outbox id, as if it had been applied twice; Redis keeps the first."""
    ((shard, ms, seq, fields),) = bench.sql(
        "SELECT shard, entry_ms, entry_seq, fields FROM ledger_entries WHERE reference = %s",
        reference)
    with bench.conn() as conn:
        written = LedgerWriter(conn).write([OutboxEntry(
            shard, f"{ms}-{seq + 1}", {**fields, "mid": movement_id})])
    assert written == 1


def test_a_clean_ledger_with_rollbacks_and_tombstones_passes(bench: Bench) -> None:
    play(bench.gpas, bench.admin, bench.clock, random.Random(7), days=2)
    _, session_id = open_session(bench.gpas, bench.admin)
    assert bench.gpas.rollback(session_id, "never-sent").status_code == 400  # a tombstone
    bench.export()
    events = dict(bench.sql("SELECT event, count(*) FROM ledger_entries GROUP BY event"))
    assert events["rollback"] > 0 and events["tombstone"] == 1

    verdict = run_verify(bench)

    assert verdict.clean and verdict.doubled == [] and verdict.differences == []
    assert verdict.recall.checked == sum(events[e] for e in (
        "debit", "credit", "rollback", "deposit"))


def test_a_reference_applied_twice_in_the_ledger_alone_is_named(bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="50")
    assert bench.gpas.debit(session_id, "12.5", "bet-1").status_code == 200
    bench.export()
    (first,) = movement_ids(bench, "bet-1")
    (deposit,) = movement_ids(bench, "fund-REAL")
    apply_again_in_the_ledger(bench, "bet-1", "second-bet")
    apply_again_in_the_ledger(bench, "fund-REAL", "second-deposit")

    verdict = run_verify(bench)

    assert named(verdict.doubled) == {
        (PARENT_ID, "bet-1"): [(wallet_id, "debit", first, 1250),
                               (wallet_id, "debit", "second-bet", 1250)],
        (None, "fund-REAL"): [(wallet_id, "deposit", deposit, 5000),
                              (wallet_id, "deposit", "second-deposit", 5000)]}
    assert [d.in_redis for d in verdict.doubled] == [(first,), (deposit,)]
    # Redis records the first of each; the ledger's running balance moved twice.
    assert {(u.reference, u.ledger_movement_id, u.redis_movement_id)
            for u in verdict.recall.listed} == {("bet-1", "second-bet", first),
                                                ("fund-REAL", "second-deposit", deposit)}
    assert {d.what for d in verdict.differences} == {"real", "real after the last entry"}


def test_references_applied_again_after_redis_lost_its_data_are_found_in_both_stores(
        bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "10", "bet-1").status_code == 200
    assert bench.gpas.credit(session_id, "4", "win-1").status_code == 200
    bench.export()
    replay_after_redis_lost_its_data(bench, wallet_id)

    before_export = run_verify(bench)  # Redis applied them again: other movement ids
    assert before_export.doubled == [] and before_export.recall.missing == 0
    assert {u.reference for u in before_export.recall.listed} == {"bet-1", "win-1", "fund-REAL"}

    bench.export()
    bench.redis.flushall()
    assert verify_command(bench).exit_code == 1  # not restored yet: every wallet missing
    assert bench.app.test_cli_runner().invoke(args=["ledger", "restore"]).exit_code == 0
    session = json_of(bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id)))["id"]
    assert bench.gpas.debit(session, "1", "bet-after").status_code == 200
    bench.export()

    verdict = run_verify(bench)  # balances agree everywhere: only the references tell
    assert verdict.differences == [] and not verdict.clean
    doubled = named(verdict.doubled)
    assert set(doubled) == {(PARENT_ID, "bet-1"), (PARENT_ID, "win-1"), (None, "fund-REAL")}
    for (_, reference), applications in doubled.items():
        assert [a[2] for a in applications] == movement_ids(bench, reference)
        assert len({a[2] for a in applications}) == 2
    assert [a[3] for a in doubled[(PARENT_ID, "bet-1")]] == [1000, 1000]


def test_the_command_names_each_doubled_reference_and_exits_1(bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "10", "bet-1").status_code == 200
    bench.export()
    replay_after_redis_lost_its_data(bench, wallet_id)
    bench.export()
    first, second = movement_ids(bench, "bet-1")

    result = verify_command(bench)

    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "bet-1" in line
               and line.startswith("doubled")]
    assert line == (
        f"doubled reference {PARENT_ID} bet-1: applied 2 times: "
        f"{wallet_id} debit 10.00 BRL movement {first} at 2026-09-21T14:13:20.000Z; "
        f"{wallet_id} debit 10.00 BRL movement {second} at 2026-09-21T14:14:20.000Z; "
        f"Redis records: {wallet_id} {second}")
    assert "doubled reference adjustment fund-REAL: applied 2 times" in result.output
    assert result.output.splitlines()[-1].startswith("1 wallets compared, 2 differences, "
                                                     "2 doubled references")


def test_a_reference_redis_forgot_or_tombstoned_is_named_but_a_tombstone_is_no_application(
        bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    for reference in ("bet-1", "bet-2"):
        assert bench.gpas.debit(session_id, "1", reference).status_code == 200
    bench.export()
    for reference in ("bet-1", "bet-2"):  # Redis loses these two records only
        bench.redis.delete(keys.movement(wallet_id, PARENT_ID, reference),
                           keys.reference_owner(PARENT_ID, reference))
    assert bench.gpas.rollback(session_id, "bet-2").status_code == 400  # now a tombstone
    bench.export()

    verdict = run_verify(bench)

    assert verdict.doubled == []  # bet-2: a debit and a tombstone, applied once
    assert {(u.reference, u.redis_kind) for u in verdict.recall.listed} == {
        ("bet-1", None), ("bet-2", "tombstone")}
    assert (verdict.recall.missing, verdict.recall.other_id) == (1, 1)
    output = verify_command(bench).output
    assert f"{wallet_id}: {PARENT_ID} bet-1 (debit, movement " in output
    assert "is unknown to Redis: a resend would be applied again" in output


def test_a_reference_used_again_after_the_retention_period_is_no_double(bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "1", "bet-1").status_code == 200
    bench.clock.advance(RETENTION_MS / 1000 + 60)
    # Its record expired in Redis with the retention: GPAS may use the reference again.
    bench.redis.delete(keys.movement(wallet_id, PARENT_ID, "bet-1"),
                       keys.reference_owner(PARENT_ID, "bet-1"))
    session = json_of(bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id)))["id"]
    assert bench.gpas.debit(session, "1", "bet-1").status_code == 200
    bench.export()
    assert len(movement_ids(bench, "bet-1")) == 2

    verdict = run_verify(bench)

    assert verdict.clean and verdict.doubled == []


def test_a_wallet_whose_entries_are_in_flight_is_looked_at_again_until_they_are_in(
        bench: Bench) -> None:
    _, session_id = open_session(bench.gpas, bench.admin, real="100")
    bench.export()
    assert bench.gpas.debit(session_id, "3").status_code == 200
    exporter = threading.Timer(1.0, bench.export)
    exporter.start()
    started = time.monotonic()

    verdict = run_verify(bench, wait_s=20)

    exporter.join()
    assert verdict.clean and verdict.differences == []
    assert time.monotonic() - started >= 1.0  # it waited for the export, then looked again


def test_grouping_uses_the_reference_indexes_on_every_partition(bench: Bench) -> None:
    from walletsvc.ledger import doubled

    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "1").status_code == 200
    bench.clock.advance(40 * 86_400)  # a second month partition
    assert bench.admin.post(f"/wallets/{wallet_id}/deposits", {
        "amount": "1", "subWallet": "BONUS", "reference": "later"}).status_code == 200
    bench.export()
    with bench.conn() as conn:
        conn.execute("SET enable_seqscan = off")  # what a large table makes the planner do
        for query, index in ((doubled._GPAS, "parent_system_reference_idx"),
                             (doubled._ADJUSTMENTS, "wallet_id_reference_idx")):
            plan = "\n".join(str(row[0]) for row in conn.execute(f"EXPLAIN {query}"))
            assert "Seq Scan" not in plan, plan
            assert plan.count(index) >= 2, plan  # both months, through the partial index


def test_references_are_checked_on_one_node_and_on_a_cluster(any_bench: Bench) -> None:
    bench = any_bench
    wallets = [open_session(bench.gpas, bench.admin, real="50") for _ in range(4)]
    for n, (_, session_id) in enumerate(wallets):  # wallets in several slots
        assert bench.gpas.debit(session_id, "1", f"bet-{n}").status_code == 200
    bench.export()
    assert run_verify(bench).clean
    (first,) = movement_ids(bench, "bet-3")
    apply_again_in_the_ledger(bench, "bet-3", "second-bet")

    verdict = run_verify(bench)

    assert [(d.reference, d.in_redis) for d in verdict.doubled] == [("bet-3", (first,))]
    assert verdict.recall.checked == 9  # 4 deposits, 4 debits, bet-3 again
    assert [u.ledger_movement_id for u in verdict.recall.listed] == ["second-bet"]
