"""Evidence in the ledger, the regulator's daily report, and restore of settings and counters."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from redis.cluster import RedisCluster

from devkit.admin import deposit, open_session
from devkit.store import hash_fields
from tests.protection.conftest import Player
from tests.support.answers import error_of
from tests.support.ledger import Bench, make_bench
from walletsvc.store import RedisClient, keys

pytestmark = pytest.mark.realredis


@pytest.fixture
def bench(real_store: RedisClient, ledger_url: str) -> Iterator[Bench]:
    """The app over one node, then a cluster, on every Redis version, with a ledger."""
    yield make_bench(real_store, ledger_url)


def _player(bench: Bench) -> Player:
    return Player(bench.admin, bench.gpas, *open_session(bench.gpas, bench.admin, real="500"))


def _protection(bench: Bench, wallet_id: str) -> tuple[dict[str, str], dict[str, str]]:
    return (hash_fields(bench.redis, keys.protection(wallet_id)),
            hash_fields(bench.redis, keys.usage(wallet_id)))


@pytest.mark.usefixtures("platform_cli")
def test_changes_and_refusals_reach_the_ledger_and_the_daily_report(bench: Bench) -> None:
    player = _player(bench)
    player.set("LOSS", "20")
    player.set("LOSS", "40")  # pending
    assert error_of(player.gpas.debit(player.session_id, "25", reference="big"))[2] == \
        "LOSS_LIMIT_REACHED"
    assert player.pause("EXCLUSION", None, "REGISTER", "SIGAP").status_code == 200
    assert error_of(player.gpas.debit(player.session_id, "1"))[1] == 1008
    bench.export()

    result = bench.app.test_cli_runner().invoke(
        args=["limits", "daily-report", "--date", "2026-09-21"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["event"], r["action"], r["limit"], r["period"], r["oldValue"], r["newValue"],
             r["askedBy"]) for r in rows if r["event"] != "REFUSAL"] == [
        ("LIMIT_CHANGE", "set", "LOSS", "DAY", "", "20.00", "player"),
        ("LIMIT_CHANGE", "raise_pending", "LOSS", "DAY", "20.00", "40.00", "player"),
        ("PAUSE", "paused", "", "", "", "indefinite", "player")]
    assert rows[1]["effectiveAt"] == "2026-09-22T14:13:20.000Z"
    refusals = [(r["action"], r["limitValue"], r["used"], r["amountTried"], r["reference"])
                for r in rows if r["event"] == "REFUSAL"]
    assert refusals[0] == ("LOSS_LIMIT_REACHED", "20.00", "0.00", "25.00", "big")
    assert refusals[1][0] == "PLAYER_EXCLUDED"
    assert all(r["walletId"] == player.wallet_id for r in rows)
    paused = next(r for r in rows if r["event"] == "PAUSE")
    assert (paused["origin"], paused["reason"]) == ("register", "SIGAP")


def test_restore_brings_back_settings_pending_changes_pauses_and_counters(
        bench: Bench) -> None:
    player = _player(bench)
    other = _player(bench)
    player.set("WAGER", "100")
    player.set("WAGER", "300", "WEEK")
    player.set("WAGER", "500", "WEEK")  # pending
    player.set("PLAY_TIME", 7200)
    bench.clock.advance(300)
    for n in range(3):
        assert bench.gpas.debit(player.session_id, "20", reference=f"b{n}").status_code == 200
    assert bench.gpas.credit(player.session_id, "15", reference="w0").status_code == 200
    assert bench.gpas.rollback(player.session_id, "b1").status_code == 200
    assert bench.gpas.rollback(player.session_id, "w0").status_code == 200
    assert deposit(bench.admin, player.wallet_id, "30", "top-up").status_code == 200
    assert other.pause(until="2026-10-01T00:00:00Z").status_code == 200
    bench.export()
    before = {w: _protection(bench, w) for w in (player.wallet_id, other.wallet_id)}
    assert before[player.wallet_id][1]["wager:d"] == "4000"

    if isinstance(bench.redis, RedisCluster):
        bench.redis.flushall(target_nodes=RedisCluster.PRIMARIES)
    else:
        bench.redis.flushall()
    result = bench.app.test_cli_runner().invoke(args=["ledger", "restore"])
    assert result.exit_code == 0, result.output

    after = {w: _protection(bench, w) for w in before}
    assert after == before
    session_id = player.new_session()
    assert error_of(bench.gpas.debit(session_id, "60.01"))[2] == "WAGER_LIMIT_REACHED"
    assert bench.gpas.debit(session_id, "60").status_code == 200
    refused = bench.gpas.open_session(other.wallet_id, bench.admin.token(other.wallet_id))
    assert error_of(refused) == (400, 1008, "USER_BLOCKED")
