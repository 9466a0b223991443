"""A double an operator has dealt with is accepted, by movement id, and verify passes again;
the ledger keeps every entry."""

from __future__ import annotations

from click.testing import Result

from devkit.admin import open_session
from devkit.responses import json_of
from devkit.settings import PARENT_ID
from tests.support.ledger import Bench, movement_ids, replay_after_redis_lost_its_data


def command(bench: Bench, *args: str) -> Result:
    """Run `walletsvc ledger ...`."""
    return bench.app.test_cli_runner().invoke(args=["ledger", *args])


def doubled_then_restored(bench: Bench) -> str:
    """Apply bet-1, win-1 and the deposit twice (Redis lost its data in between), restore,
    play on: the balances agree, the references are doubled. Return the wallet."""
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "10", "bet-1").status_code == 200
    assert bench.gpas.credit(session_id, "4", "win-1").status_code == 200
    bench.export()
    replay_after_redis_lost_its_data(bench, wallet_id)
    bench.export()
    bench.redis.flushall()
    assert command(bench, "restore").exit_code == 0
    session = json_of(bench.gpas.open_session(wallet_id, bench.admin.token(wallet_id)))["id"]
    assert bench.gpas.debit(session, "1", "bet-after").status_code == 200
    bench.export()
    return wallet_id


def test_accepted_doubles_are_no_longer_counted_and_the_ledger_keeps_them(bench: Bench) -> None:
    wallet_id = doubled_then_restored(bench)
    before = command(bench, "verify", "--wait", "0")
    assert before.exit_code == 1 and "3 doubled references" in before.output

    for reference in ("bet-1", "win-1"):
        again = movement_ids(bench, reference)[1]
        accepted = command(bench, "verify-accept", reference, again, "--parent-system",
                           PARENT_ID, "--note", "taken back by adjustment fix-1; GPAS told")
        assert accepted.exit_code == 0, accepted.output
    deposit_again = movement_ids(bench, "fund-REAL")[1]
    assert command(bench, "verify-accept", "fund-REAL", deposit_again, "--wallet", wallet_id,
                   "--note", "deposited twice, withdrawn by fix-2").exit_code == 0

    after = command(bench, "verify", "--wait", "0", "--quiet")
    assert (after.exit_code, after.output) == (0, "")
    assert len(movement_ids(bench, "bet-1")) == 2  # the ledger is unchanged
    assert bench.sql("SELECT reference, note FROM ledger_verify_accepted ORDER BY 1") == [
        ("bet-1", "taken back by adjustment fix-1; GPAS told"),
        ("fund-REAL", "deposited twice, withdrawn by fix-2"),
        ("win-1", "taken back by adjustment fix-1; GPAS told")]


def test_accepting_refuses_a_foreign_movement_and_every_application(bench: Bench) -> None:
    doubled_then_restored(bench)
    first, again = movement_ids(bench, "bet-1")
    (other,) = movement_ids(bench, "bet-after")

    foreign = command(bench, "verify-accept", "bet-1", other, "--parent-system", PARENT_ID,
                      "--note", "x")
    every = command(bench, "verify-accept", "bet-1", first, again, "--parent-system",
                    PARENT_ID, "--note", "x")
    neither = command(bench, "verify-accept", "bet-1", again, "--note", "x")

    assert foreign.exit_code == 1 and f"not an application of bet-1: {other}" in foreign.output
    assert every.exit_code == 1 and "one must stay" in every.output
    assert neither.exit_code == 2 and "--parent-system or --wallet" in neither.output
    assert bench.sql("SELECT count(*) FROM ledger_verify_accepted") == [(0,)]
