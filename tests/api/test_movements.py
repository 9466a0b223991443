"""Debits, credits and rollbacks (docs/gpas-contract.md: "Endpoints", "Money", "Sub-wallets", "Late
settlement", "Idempotency and replays", "Rollbacks", "The audit trail")."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import FakeClock
from devkit.store import stream_fields
from tests.support.answers import error_of
from tests.support.calls import movement
from tests.support.store import all_keys, snapshot
from walletsvc.store import RedisClient


def clients(app: Flask) -> tuple[GpasClient, AdminClient]:
    client = app.test_client()
    return GpasClient(client), AdminClient(client)


def result(response_json: dict[str, object]) -> tuple[object, object, object, object]:
    """Return (leftBalance, amountBonus, REAL, BONUS) of a movement result."""
    subs = response_json["subWalletsSummary"]
    assert isinstance(subs, list)
    return (response_json["leftBalance"], response_json["amountBonus"],
            subs[0]["leftBalance"], subs[1]["leftBalance"])


# Money (B1) -------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["10.25", 10.25, "1025e-2", 10.250])
def test_decimal_values_as_strings_or_numbers_are_exact(gpas: GpasClient, admin: AdminClient,
                                                        value: object) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    response = gpas.debit(session_id, value)
    assert response.status_code == 200
    assert decimal_json(response)["leftBalance"] == Decimal("89.75")
    assert admin.balance(wallet_id)["real"] == Decimal("89.75")


def test_responses_carry_json_numbers_at_the_currency_scale(gpas: GpasClient,
                                                            admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin, real="0.3")
    response = gpas.debit(session_id, "0.1")
    assert b'"leftBalance":0.20' in response.get_data()


@pytest.mark.parametrize(("currency", "value", "accepted"), [
    ("CLP", "15", True), ("CLP", "15.0", True), ("CLP", "15.5", False), ("PYG", "1.1", False),
    ("BRL", "1.01", True), ("BRL", "1.001", False), ("USD", "0.001", False),
])
def test_fractional_digits_follow_the_currency_scale(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient,
        currency: str, value: str, accepted: bool) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100", currency=currency)
    before = snapshot(redis_client)
    response = gpas.credit(session_id, value)
    if accepted:
        assert response.status_code == 200
        assert admin.balance(wallet_id)["real"] == Decimal(100) + Decimal(value)
    else:
        assert error_of(response) == (400, 1010, "INVALID_AMOUNT")
        assert snapshot(redis_client) == before


def test_configured_currency_with_its_own_scale(make_app: Callable[..., Flask]) -> None:
    gpas, admin = clients(make_app(currency_scales={"BTC": 8}))
    wallet_id, session_id = open_session(gpas, admin, real="1", currency="BTC")
    assert gpas.debit(session_id, "0.00000001").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal("0.99999999")


def test_balance_may_not_reach_2_to_the_53_minor_units(gpas: GpasClient, admin: AdminClient,
                                                      redis_client: RedisClient) -> None:
    _, session_id = open_session(gpas, admin, real="90071992547409.90", currency="BRL")
    assert gpas.credit(session_id, "0.01").status_code == 200
    before = snapshot(redis_client)
    assert error_of(gpas.credit(session_id, "0.01")) == (400, 1010, "INVALID_AMOUNT")
    assert snapshot(redis_client) == before


def test_zero_debit_is_refused_and_zero_credit_is_recorded(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10")
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "0")) == (400, 1010, "INVALID_AMOUNT")
    assert snapshot(redis_client) == before
    assert gpas.credit(session_id, "0", reference="zero-win").status_code == 200
    movements = json_of(admin.get(f"/wallets/{wallet_id}/movements"))["movements"]
    assert movements[0]["data"]["ref"] == "zero-win"
    assert movements[0]["data"]["amount"] == 0


# Sub-wallets (B2) ---------------------------------------------------------------------------

def test_debit_takes_real_first_then_bonus(gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin, real="90", bonus="1.5")
    first = decimal_json(gpas.debit(session_id, "50"))
    assert result(first) == (Decimal("41.5"), 0, 40, Decimal("1.5"))
    second = decimal_json(gpas.debit(session_id, "41"))
    assert result(second) == (Decimal("0.5"), 1, 0, Decimal("0.5"))


def test_debit_above_real_plus_bonus_is_refused_and_moves_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    _, session_id = open_session(gpas, admin, real="10", bonus="5")
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "15.01", reference="big")) == (
        400, 1007, "INSUFFICIENT_FUNDS")
    assert snapshot(redis_client) == before
    assert gpas.debit(session_id, "15", reference="big").status_code == 200


def test_credit_goes_to_real(gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin, real="1", bonus="2")
    body = decimal_json(gpas.credit(session_id, "200"))
    assert result(body) == (203, 0, 201, 2)


def test_rollback_returns_each_part_to_where_it_came_from(gpas: GpasClient,
                                                         admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10", bonus="5")
    gpas.debit(session_id, "12", reference="bet-1")
    gpas.credit(session_id, "3")
    body = decimal_json(gpas.rollback(session_id, "bet-1"))
    assert result(body) == (18, 2, 13, 5)
    assert admin.balance(wallet_id) == {"total": 18, "real": 13, "bonus": 5}


def test_rollback_of_a_credit_may_take_real_below_zero(gpas: GpasClient,
                                                      admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="0", bonus="3")
    gpas.credit(session_id, "10", reference="win-1")
    gpas.debit(session_id, "12")
    body = decimal_json(gpas.rollback(session_id, "win-1"))
    assert result(body) == (-9, 0, -10, 1)
    assert admin.balance(wallet_id)["real"] == -10
    refused = gpas.debit(session_id, "2")
    assert error_of(refused) == (400, 1007, "INSUFFICIENT_FUNDS")
    assert decimal_json(gpas.debit(session_id, "1"))["amountBonus"] == 1


# Idempotency (B5) ---------------------------------------------------------------------------

def test_repeated_reference_replays_an_identical_repeat_refuses_the_rest_and_moves_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    _, session_id = open_session(gpas, admin, real="100")
    first = gpas.debit(session_id, "10", reference="bet-1")
    assert first.status_code == 200
    before = snapshot(redis_client)
    again = gpas.debit(session_id, "10", reference="bet-1")  # the default: replay
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    for repeat in (gpas.credit(session_id, "10", reference="bet-1"),
                   gpas.debit(session_id, "99", reference="bet-1")):
        assert error_of(repeat) == (400, 1003, "DUPLICATE_TX_ID")
    assert snapshot(redis_client) == before


def test_with_refuse_even_an_identical_repeat_is_a_duplicate(
        make_app: Callable[..., Flask], redis_client: RedisClient) -> None:
    client = make_app(duplicate_reply="refuse").test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "10", reference="bet-1")) == (
        400, 1003, "DUPLICATE_TX_ID")
    assert snapshot(redis_client) == before


def test_a_movement_after_redis_lost_its_scripts_is_applied_once(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    redis_client.script_flush()  # as after a restart without persistence, or a failover
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == 90
    movements = admin.get(f"/wallets/{wallet_id}/movements").get_json()["movements"]
    assert [m["data"]["ref"] for m in movements if m["event"] == "debit"] == ["bet-1"]


def test_reference_is_unique_across_wallets_and_sessions(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    _, first = open_session(gpas, admin, real="100")
    other_wallet, second = open_session(gpas, admin, real="100")
    captured = movement("debit", '"10"', externalReference="bet-1")
    debit = "/movements/debit"
    assert gpas.call("POST", debit, f"walletSessionId={first}", captured).status_code == 200
    before = snapshot(redis_client)
    replayed = gpas.call("POST", debit, f"walletSessionId={second}", captured)
    assert error_of(replayed) == (400, 1003, "DUPLICATE_TX_ID")
    assert snapshot(redis_client) == before
    assert admin.balance(other_wallet)["real"] == 100


def test_references_of_different_parent_systems_do_not_collide(
        gpas: GpasClient, admin: AdminClient) -> None:
    other = GpasClient(gpas.client, parent_id="OTHER1", secret="other-secret")
    _, mine = open_session(gpas, admin)
    wallet_id = admin.wallet("100")
    theirs = json_of(other.open_session(wallet_id, admin.token(wallet_id)))["id"]
    assert gpas.debit(mine, "1", reference="same").status_code == 200
    assert other.debit(theirs, "1", reference="same").status_code == 200


def test_replay_mode_returns_the_original_answer_for_an_identical_repeat(
        make_app: Callable[..., Flask], redis_client: RedisClient) -> None:
    gpas, admin = clients(make_app(duplicate_reply="replay"))
    _, session_id = open_session(gpas, admin, real="100")
    first = gpas.debit(session_id, "10", reference="bet-1")
    gpas.debit(session_id, "5")
    before = snapshot(redis_client)
    repeat = gpas.debit(session_id, "10", reference="bet-1")
    assert repeat.status_code == 200
    assert repeat.get_data() == first.get_data()
    assert snapshot(redis_client) == before


def test_replay_mode_still_refuses_a_different_body_or_session(
        make_app: Callable[..., Flask], redis_client: RedisClient) -> None:
    gpas, admin = clients(make_app(duplicate_reply="replay"))
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    second = json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"]
    before = snapshot(redis_client)
    assert error_of(gpas.debit(session_id, "11", reference="bet-1"))[1] == 1003
    assert error_of(gpas.credit(session_id, "10", reference="bet-1"))[1] == 1003
    assert error_of(gpas.debit(second, "10", reference="bet-1"))[1] == 1003
    assert snapshot(redis_client) == before


def test_replay_mode_replays_a_rollback(make_app: Callable[..., Flask]) -> None:
    gpas, admin = clients(make_app(duplicate_reply="replay"))
    _, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "10", reference="bet-1")
    first = gpas.rollback(session_id, "bet-1", reference="rb-1")
    repeat = gpas.rollback(session_id, "bet-1", reference="rb-1")
    assert repeat.status_code == 200
    assert repeat.get_data() == first.get_data()


def test_refused_debit_is_not_recorded_so_a_retry_is_judged_afresh(
        gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="5")
    assert error_of(gpas.debit(session_id, "10", reference="bet-1"))[1] == 1007
    admin.post(f"/wallets/{wallet_id}/deposits",
               {"amount": "5", "subWallet": "REAL", "reference": "top-up"})
    assert gpas.debit(session_id, "10", reference="bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == 0


# Rollbacks (B6) -----------------------------------------------------------------------------

def test_rollback_of_unknown_reference_leaves_a_tombstone(
        gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert error_of(gpas.rollback(session_id, "late-bet")) == (400, 1002, "INVALID_TX_ID")
    assert admin.balance(wallet_id)["real"] == 100
    assert error_of(gpas.debit(session_id, "10", reference="late-bet")) == (
        400, 1003, "DUPLICATE_TX_ID")
    assert error_of(gpas.credit(session_id, "10", reference="late-bet"))[1] == 1003
    assert admin.balance(wallet_id)["real"] == 100
    assert error_of(gpas.rollback(session_id, "late-bet")) == (400, 1002, "INVALID_TX_ID")


def test_tombstone_also_blocks_the_reference_on_other_wallets(
        gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin)
    other_wallet, other_session = open_session(gpas, admin)
    gpas.rollback(session_id, "late-bet")
    assert error_of(gpas.debit(other_session, "1", reference="late-bet"))[1] == 1003
    assert admin.balance(other_wallet)["real"] == 100


def test_rollback_twice_or_of_a_rollback_is_a_duplicate(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "10", reference="bet-1")
    first = gpas.rollback(session_id, "bet-1", reference="rb-1")
    assert first.status_code == 200
    before = snapshot(redis_client)
    assert error_of(gpas.rollback(session_id, "bet-1", reference="rb-2"))[1] == 1003
    assert error_of(gpas.rollback(session_id, "rb-1", reference="rb-3"))[1] == 1003
    again = gpas.rollback(session_id, "bet-1", reference="rb-1")  # identical: replayed
    assert (again.status_code, again.get_json()) == (200, first.get_json())
    assert snapshot(redis_client) == before
    assert admin.balance(wallet_id)["real"] == 100


def test_rollback_of_another_wallets_movement_is_refused(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    _, mine = open_session(gpas, admin)
    other_wallet, theirs = open_session(gpas, admin)
    gpas.debit(theirs, "10", reference="their-bet")
    before = snapshot(redis_client)
    assert error_of(gpas.rollback(mine, "their-bet")) == (400, 1002, "INVALID_TX_ID")
    assert snapshot(redis_client) == before
    assert admin.balance(other_wallet)["real"] == 90


def test_rollback_in_another_session_of_the_same_wallet(gpas: GpasClient,
                                                       admin: AdminClient) -> None:
    wallet_id, first = open_session(gpas, admin)
    gpas.debit(first, "10", reference="bet-1")
    gpas.close(first)
    second = json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"]
    assert gpas.rollback(second, "bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == 100


# Late settlement (B4) -----------------------------------------------------------------------

def test_nothing_is_accepted_after_close_by_default(gpas: GpasClient, admin: AdminClient) -> None:
    _, session_id = open_session(gpas, admin)
    gpas.debit(session_id, "10", reference="bet-1")
    gpas.close(session_id)
    assert error_of(gpas.credit(session_id, "5"))[1] == 1004
    assert error_of(gpas.rollback(session_id, "bet-1"))[1] == 1004


def test_late_settlement_lets_credits_and_rollbacks_through_for_a_while(
        make_app: Callable[..., Flask], clock: FakeClock) -> None:
    gpas, admin = clients(make_app(late_settlement_seconds=600))
    wallet_id, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "10", reference="bet-1")
    gpas.debit(session_id, "10", reference="bet-2")
    gpas.close(session_id)
    clock.advance(300)
    assert error_of(gpas.debit(session_id, "1"))[1] == 1004
    assert error_of(gpas.balance(session_id))[1] == 1004
    assert gpas.credit(session_id, "25").status_code == 200
    assert gpas.rollback(session_id, "bet-1").status_code == 200
    clock.advance(301)
    assert error_of(gpas.rollback(session_id, "bet-2"))[1] == 1004
    assert admin.balance(wallet_id)["real"] == 115


def test_late_settlement_window_starts_at_idle_expiry(
        make_app: Callable[..., Flask], clock: FakeClock) -> None:
    gpas, admin = clients(make_app(late_settlement_seconds=600))
    _, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "10", reference="bet-1")
    clock.advance(30 * 60 + 60)
    assert error_of(gpas.debit(session_id, "1"))[1] == 1004
    assert gpas.credit(session_id, "1").status_code == 200
    clock.advance(600)
    assert error_of(gpas.credit(session_id, "1"))[1] == 1004


# Games catalogue (A3 1009) and blocked players -----------------------------------------------

def test_unknown_game_is_refused_when_a_catalogue_is_configured(
        make_app: Callable[..., Flask], catalogue_path: Path, redis_client: RedisClient) -> None:
    gpas, admin = clients(make_app(games_catalogue=catalogue_path))
    _, session_id = open_session(gpas, admin)
    before = snapshot(redis_client)
    refused = gpas.debit(session_id, "1", tags={"gameid": "xyz-1"})
    assert error_of(refused) == (400, 1009, "INVALID_GAME_ID")
    assert snapshot(redis_client) == before
    assert gpas.debit(session_id, "1", tags={"gameid": "agt-13"}).status_code == 200


def test_blocked_player_cannot_bet_but_wins_still_settle(
        gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "10", reference="bet-1")
    admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    assert error_of(gpas.debit(session_id, "1")) == (400, 1008, "USER_BLOCKED")
    assert gpas.credit(session_id, "5").status_code == 200
    assert gpas.rollback(session_id, "bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == 105


# Audit trail (B8) ---------------------------------------------------------------------------

def test_each_movement_is_in_the_session_and_wallet_streams(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10", bonus="5")
    gpas.debit(session_id, "12", reference="bet-1")
    gpas.rollback(session_id, "bet-1", reference="rb-1")
    session_stream = [k for k in all_keys(redis_client, "sx:*") if session_id in k]
    wallet_stream = [k for k in all_keys(redis_client, "wx:*") if wallet_id in k]
    session_entries = stream_fields(redis_client, session_stream[0])
    wallet_entries = stream_fields(redis_client, wallet_stream[0])
    assert [e["event"] for e in session_entries] == ["opened", "debit", "rollback"]
    assert [e["event"] for e in wallet_entries] == ["deposit", "deposit", "debit", "rollback"]
    debit = session_entries[1]
    assert debit == wallet_entries[2]
    assert {k: debit[k] for k in ("ref", "amount", "real", "bonus", "real_after", "bonus_after",
                                  "type", "ps", "currency", "game")} == {
        "ref": "bet-1", "amount": "1200", "real": "-1000", "bonus": "-200", "real_after": "0",
        "bonus_after": "300", "type": "GAME_DEBIT", "ps": "BL13GT", "currency": "BRL",
        "game": "agt-13"}
    assert debit["tags"] == '{"gpasSessionId":"gpas-1","gameid":"agt-13"}'
    assert session_entries[2]["reverses"] == "bet-1"
    assert (session_entries[2]["real"], session_entries[2]["bonus"]) == ("1000", "200")


def test_audit_keys_expire_after_the_retention_period(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    _, session_id = open_session(gpas, admin)
    gpas.debit(session_id, "1", reference="bet-1")
    gpas.close(session_id)
    retention_ms = 120 * 86_400_000
    for pattern in ("s:*", "sx:*", "m:*", "ref:*"):
        matched = all_keys(redis_client, pattern)
        assert matched, pattern
        for key in matched:
            assert retention_ms - 60_000 < redis_client.pttl(key) <= retention_ms, key
