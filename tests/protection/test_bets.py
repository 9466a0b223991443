"""Limits at the bet: checked and counted in the debit's own script, refused whole."""

from __future__ import annotations

from decimal import Decimal

from devkit.responses import decimal_json, json_of
from devkit.settings import FakeClock
from devkit.store import stream_fields
from tests.protection.conftest import Player
from tests.support.answers import error_of
from tests.support.store import snapshot
from walletsvc.store import RedisClient, keys

# START_MS is 11:13:20 in São Paulo on Monday 2026-09-21; the day ends at 03:00 UTC.
NEXT_DAY_SECONDS = (3 * 3600 + 46 * 60 + 40) + 12 * 3600


def _without_outbox(store: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in store.items() if not key.startswith("ob:")}


def test_bet_over_the_daily_loss_limit_is_refused_whole_with_its_details(
        player: Player, redis_client: RedisClient) -> None:
    player.set("LOSS", "50")
    assert player.gpas.debit(player.session_id, "40").status_code == 200
    before = _without_outbox(snapshot(redis_client))

    refused = player.gpas.debit(player.session_id, "10.01", reference="over")

    assert error_of(refused) == (400, 1010, "LOSS_LIMIT_REACHED")
    body = decimal_json(refused)
    assert body["details"] == {
        "refusal": "LOSS_LIMIT_REACHED", "limit": "LOSS", "period": "DAY",
        "value": Decimal("50.00"), "used": Decimal("40.00"), "amount": Decimal("10.01"),
        "resetsAt": "2026-09-22T03:00:00.000Z"}
    assert "daily loss limit of 50.00 BRL" in body["message"]
    assert "22/09" not in body["message"] and "2026-09-22 00:00" in body["message"]
    assert _without_outbox(snapshot(redis_client)) == before
    assert player.admin.balance(player.wallet_id)["real"] == Decimal("960")
    assert player.gpas.debit(player.session_id, "10").status_code == 200


def test_the_lowest_binding_limit_is_the_one_named(player: Player) -> None:
    player.set("WAGER", "100", "DAY")
    player.set("WAGER", "30", "WEEK")
    player.set("WAGER", "500", "MONTH")
    assert player.gpas.debit(player.session_id, "25").status_code == 200

    refused = player.gpas.debit(player.session_id, "10")

    assert error_of(refused) == (400, 1010, "WAGER_LIMIT_REACHED")
    details = json_of(refused)["details"]
    assert (details["period"], details["resetsAt"]) == ("WEEK", "2026-09-28T03:00:00.000Z")


def test_wins_lower_the_net_loss_and_are_never_refused(player: Player) -> None:
    player.set("LOSS", "50")
    player.set("WAGER", "1", "MONTH")  # lowered below what is played below, at once
    player.set("WAGER", "100", "MONTH")  # a raise: pending, the 1.00 holds meanwhile
    assert error_of(player.gpas.debit(player.session_id, "2"))[2] == "WAGER_LIMIT_REACHED"
    player.admin.post(f"/wallets/{player.wallet_id}/limits/cancel",
                      {"limit": "WAGER", "period": "MONTH", "by": "player"})
    player.limit("WAGER", None, "MONTH")  # removal: pending too
    assert player.gpas.credit(player.session_id, "30").status_code == 200

    row = player.limit_row("LOSS")
    assert (Decimal(str(row["used"])), Decimal(str(row["headroom"]))) == (Decimal(-30),
                                                                          Decimal(80))


def test_loss_counts_bets_less_wins_and_rollbacks_give_headroom_back(player: Player) -> None:
    player.set("LOSS", "50")
    assert player.gpas.debit(player.session_id, "30", reference="b1").status_code == 200
    assert player.gpas.credit(player.session_id, "10", reference="w1").status_code == 200
    assert player.gpas.debit(player.session_id, "30", reference="b2").status_code == 200
    assert error_of(player.gpas.debit(player.session_id, "1"))[2] == "LOSS_LIMIT_REACHED"

    assert player.gpas.rollback(player.session_id, "b2").status_code == 200
    assert player.limit_row("LOSS")["used"] == 20
    assert player.gpas.rollback(player.session_id, "w1").status_code == 200
    assert player.limit_row("LOSS")["used"] == 30
    assert player.gpas.debit(player.session_id, "20").status_code == 200


def test_single_bet_and_session_time_limits(player: Player, clock: FakeClock) -> None:
    player.set("BET", "5", None)
    player.set("SESSION_TIME", 600, None)
    refused = player.gpas.debit(player.session_id, "5.01")
    assert error_of(refused) == (400, 1010, "BET_LIMIT_REACHED")
    assert json_of(refused)["details"]["period"] is None
    assert player.gpas.debit(player.session_id, "5").status_code == 200
    clock.advance(601)
    assert player.gpas.balance(player.session_id).status_code == 200
    refused = player.gpas.debit(player.session_id, "1")
    assert error_of(refused) == (400, 1010, "SESSION_TIME_LIMIT_REACHED")
    assert json_of(refused)["details"]["used"] == 601
    player.new_session()
    assert player.gpas.debit(player.session_id, "1").status_code == 200


def test_play_time_counts_from_the_session_opening_to_its_last_bet(
        player: Player, clock: FakeClock) -> None:
    player.set("PLAY_TIME", 1200)
    clock.advance(500)
    assert player.gpas.debit(player.session_id, "1").status_code == 200
    clock.advance(600)
    assert player.gpas.debit(player.session_id, "1").status_code == 200
    assert player.limit_row("PLAY_TIME")["used"] == 1100
    clock.advance(101)
    refused = player.gpas.debit(player.session_id, "1")
    assert error_of(refused) == (400, 1010, "PLAY_TIME_LIMIT_REACHED")
    assert json_of(refused)["details"]["used"] == 1100
    assert player.limit_row("PLAY_TIME")["used"] == 1100


def test_a_limit_resets_with_its_calendar_period(player: Player, clock: FakeClock) -> None:
    player.set("LOSS", "50")
    player.set("LOSS", "80", "WEEK")
    assert player.gpas.debit(player.session_id, "50", reference="yesterday").status_code == 200
    assert error_of(player.gpas.debit(player.session_id, "1"))[2] == "LOSS_LIMIT_REACHED"

    clock.advance(NEXT_DAY_SECONDS)
    session_id = player.new_session()
    assert player.gpas.debit(session_id, "30").status_code == 200
    refused = player.gpas.debit(session_id, "1")
    assert json_of(refused)["details"]["period"] == "WEEK"
    # Yesterday's bet is given back to the week only: today counts what today played.
    assert player.gpas.rollback(session_id, "yesterday").status_code == 200
    assert (player.limit_row("LOSS")["used"], player.limit_row("LOSS", "WEEK")["used"]) == (
        30, 30)


def test_a_closed_session_answers_1004_before_any_limit(player: Player) -> None:
    player.set("BET", "1", None)
    assert player.gpas.close(player.session_id).status_code == 200
    assert error_of(player.gpas.debit(player.session_id, "5"))[1] == 1004


def test_a_retry_of_a_refused_bet_answers_the_same_refusal_while_the_limit_holds(
        player: Player, clock: FakeClock) -> None:
    player.set("WAGER", "10")
    assert player.gpas.debit(player.session_id, "10").status_code == 200
    first = player.gpas.debit(player.session_id, "5", reference="again")
    second = player.gpas.debit(player.session_id, "5", reference="again")
    assert error_of(first) == error_of(second) == (400, 1010, "WAGER_LIMIT_REACHED")
    clock.advance(NEXT_DAY_SECONDS)
    session_id = player.new_session()
    assert player.gpas.debit(session_id, "5", reference="again").status_code == 200


def test_each_refusal_is_recorded_in_the_outbox(player: Player, redis_client: RedisClient
                                                ) -> None:
    player.set("BET", "2", None)
    assert player.gpas.debit(player.session_id, "3", reference="too-big").status_code == 400
    outbox = keys.outbox(keys.wallet_shard(player.wallet_id))
    entries = stream_fields(redis_client, outbox)
    refused = [e for e in entries if e["event"] == "refused"]
    changed = [e for e in entries if e["event"] == "protection"]
    assert [(e["type"], e["limit"], e["amount"], e["ref"]) for e in refused] == [
        ("BET_LIMIT_REACHED", "200", "300", "too-big")]
    assert [(e["action"], e["name"], e["new"], e["by"]) for e in changed] == [
        ("set", "bet", "200", "player")]
