"""Changing limits and pauses: lower at once, higher after the cooling-off, never shortened."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask

from devkit.admin import AdminClient, deposit, open_session, withdraw
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.protection.conftest import Player
from tests.support.answers import error_of

DAY = 86_400


def test_a_higher_limit_waits_the_cooling_off_and_shows_as_pending(
        player: Player, clock: FakeClock) -> None:
    player.set("LOSS", "50")
    report = player.set("LOSS", "100")
    row = next(r for r in report["limits"] if r["limit"] == "LOSS")
    assert row["value"] == 50
    assert row["pending"] == {"value": 100, "effectiveAt": "2026-09-22T14:13:20.000Z",
                              "askedAt": "2026-09-21T14:13:20.000Z", "by": "player"}
    assert error_of(player.gpas.debit(player.session_id, "60"))[2] == "LOSS_LIMIT_REACHED"
    clock.advance(DAY)
    assert player.gpas.debit(player.new_session(), "60").status_code == 200
    assert player.limit_row("LOSS")["pending"] is None


def test_a_lower_limit_applies_at_once_and_drops_a_pending_raise(player: Player) -> None:
    player.set("WAGER", "50")
    player.set("WAGER", "100")
    player.set("WAGER", "20")
    row = player.limit_row("WAGER")
    assert (row["value"], row["pending"]) == (20, None)
    assert error_of(player.gpas.debit(player.session_id, "21"))[2] == "WAGER_LIMIT_REACHED"


def test_a_pending_change_can_be_cancelled_once(player: Player, clock: FakeClock) -> None:
    player.set("LOSS", "50")
    player.set("LOSS", None)
    cancel = {"limit": "LOSS", "period": "DAY", "by": "player"}
    path = f"/wallets/{player.wallet_id}/limits/cancel"
    assert player.admin.post(path, cancel).status_code == 200
    assert error_of(player.admin.post(path, cancel)) == (404, 1010, "NOT_FOUND")
    clock.advance(2 * DAY)
    assert player.limit_row("LOSS")["value"] == 50


def test_a_limit_needs_its_period_and_a_whole_number_of_seconds(player: Player) -> None:
    assert error_of(player.limit("LOSS", "5", period=None))[2] == "INVALID_REQUEST"
    assert error_of(player.limit("BET", "5", period="DAY"))[2] == "INVALID_REQUEST"
    assert error_of(player.limit("PLAY_TIME", "1.5"))[2] == "INVALID_AMOUNT"
    assert error_of(player.limit("LOSS", "1.001"))[2] == "INVALID_AMOUNT"
    assert error_of(player.admin.post("/wallets/nobody/limits", {
        "limit": "BET", "period": None, "value": "1", "by": "x"}))[:2] == (404, 1010)


def test_a_paused_player_opens_no_session_and_bets_nothing_but_wins_settle(
        player: Player, clock: FakeClock, admin: AdminClient) -> None:
    assert player.gpas.debit(player.session_id, "5", reference="round").status_code == 200
    assert player.pause(until="2026-09-22T00:00:00Z").status_code == 200

    refused = player.gpas.debit(player.session_id, "1")
    assert error_of(refused) == (400, 1008, "USER_BLOCKED")
    assert json_of(refused)["details"]["until"] == "2026-09-22T00:00:00.000Z"
    assert "paused until 2026-09-21 21:00" in json_of(refused)["message"]
    assert player.gpas.credit(player.session_id, "7").status_code == 200
    assert player.gpas.rollback(player.session_id, "round").status_code == 200
    opened = player.gpas.open_session(player.wallet_id, admin.token(player.wallet_id))
    assert error_of(opened) == (400, 1008, "USER_BLOCKED")

    clock.advance(10 * 3600)  # past the end: it ends by itself
    player.new_session()
    assert player.gpas.debit(player.session_id, "1").status_code == 200
    assert player.report()["pause"] is None


def test_a_pause_is_never_shortened_and_an_exclusion_stays_one(player: Player) -> None:
    assert player.pause("EXCLUSION", "2026-10-01T00:00:00Z", "REGISTER", "SIGAP").status_code \
        == 200
    assert error_of(player.pause(until="2026-09-25T00:00:00Z"))[2] == \
        "PROTECTION_CHANGE_REFUSED"
    assert player.pause(until="2026-10-05T00:00:00Z").status_code == 200
    pause = player.report()["pause"]
    assert (pause["kind"], pause["until"], pause["origin"]) == (
        "EXCLUSION", "2026-10-05T00:00:00.000Z", "PLAYER")
    lift = player.admin.post(f"/wallets/{player.wallet_id}/pause/lift",
                             {"by": "operator", "reason": "asked"})
    assert error_of(lift)[2] == "PROTECTION_CHANGE_REFUSED"


def test_an_indefinite_exclusion_is_lifted_only_after_its_minimum(
        player: Player, clock: FakeClock) -> None:
    assert player.pause("EXCLUSION").status_code == 200
    assert error_of(player.pause(until="2030-01-01T00:00:00Z"))[2] == \
        "PROTECTION_CHANGE_REFUSED"
    assert player.report()["pause"]["liftableFrom"] == "2027-03-23T14:13:20.000Z"
    lift = {"by": "operator", "reason": "the player asked, after the minimum"}
    path = f"/wallets/{player.wallet_id}/pause/lift"
    assert error_of(player.admin.post(path, lift))[2] == "PROTECTION_CHANGE_REFUSED"
    clock.advance(183 * DAY)
    assert player.admin.post(path, lift).status_code == 200
    assert player.gpas.debit(player.new_session(), "1").status_code == 200


def test_required_limits_keep_a_wallet_without_them_from_opening_a_session(
        make_app: Callable[..., Flask]) -> None:
    client = make_app(required_limits=("loss", "play_time")).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id = admin.wallet("100")
    refused = gpas.open_session(wallet_id, admin.token(wallet_id))
    assert error_of(refused) == (400, 1010, "LIMITS_REQUIRED")
    assert json_of(refused)["details"]["missing"] == ["LOSS", "PLAY_TIME"]
    player = Player(admin, gpas, wallet_id, "")
    player.set("LOSS", "100", "MONTH")
    player.set("PLAY_TIME", 7200, "WEEK")
    assert player.report()["missingLimits"] == []
    player.new_session()


def test_a_deposit_over_the_deposit_limit_is_refused_and_withdrawals_never_are(
        gpas: GpasClient, admin: AdminClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="100")
    player = Player(admin, gpas, wallet_id, session_id)
    player.set("DEPOSIT", "150", "MONTH")  # the 100 of open_session counts already
    assert deposit(admin, wallet_id, "50", "d1").status_code == 200
    refused = deposit(admin, wallet_id, "0.01", "d2")
    assert error_of(refused) == (400, 1010, "DEPOSIT_LIMIT_REACHED")
    assert deposit(admin, wallet_id, "20", "bonus", "BONUS").status_code == 200
    assert withdraw(admin, wallet_id, "150", "w1").status_code == 200
    assert admin.balance(wallet_id)["real"] == Decimal(0)


def test_the_answers_are_configurable(make_app: Callable[..., Flask]) -> None:
    client = make_app(protection_answers={
        "PLAYER_EXCLUDED": {"code": 1010, "type": "SELF_EXCLUDED"},
        "LOSS_LIMIT_REACHED": {"status": 403, "type": "LOSS_LIMIT"}},
        player_language="pt-BR").test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    player = Player(admin, gpas, *open_session(gpas, admin))
    player.set("LOSS", "1")
    refused = gpas.debit(player.session_id, "2")
    assert error_of(refused) == (403, 1010, "LOSS_LIMIT")
    assert json_of(refused)["message"].startswith("Esta aposta ultrapassaria o seu limite diário")
    player.pause("EXCLUSION")
    assert error_of(gpas.debit(player.session_id, "1")) == (400, 1010, "SELF_EXCLUDED")
