"""Limits and pauses from the wallet's page: compliance and support set them, GPAS's next bet
obeys them, and only compliance lifts an indefinite pause."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock
from tests.console.conftest import Person, form_token
from walletsvc.access.audit_log import Recorded
from walletsvc.services import services


def post_form(person: Person, wallet_id: str, action: str, **fields: str) -> TestResponse:
    """Send one of the wallet page's forms."""
    token = form_token(person.open(f"/console/wallets/{wallet_id}"))
    return person.client.post(f"/console/wallets/{wallet_id}/{action}",
                              data={"csrf_token": token, **fields})


def test_a_loss_limit_set_by_compliance_refuses_the_next_bet_over_it(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="100")
    person.sign_in("carla-compliance")

    set_it = post_form(person, wallet_id, "limits", limit="LOSS", period="DAY",
                       value="20.00", reason="the player asked by phone")

    assert (set_it.status_code, set_it.headers["Location"]) == (
        303, f"/console/wallets/{wallet_id}#limits")
    page = person.text(f"/console/wallets/{wallet_id}")
    assert "<td>loss</td><td>day</td>" in page and "20.00 BRL" in page
    refused = gpas.debit(session_id, "25.00")
    assert refused.status_code != 200
    assert json_of(refused)["type"] == "LOSS_LIMIT_REACHED"
    assert gpas.debit(session_id, "5.00").status_code == 200
    [entry] = audited("limits.set")
    assert (entry.entry.actor_name, entry.entry.reason, entry.entry.outcome) == (
        "carla-compliance", "the player asked by phone", 303)


def test_an_amount_written_the_other_way_is_refused_not_guessed(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("carla-compliance")
    person.open("/console/?lang=pt_BR")

    refused = post_form(person, wallet_id, "limits", limit="LOSS", period="DAY",
                        value="1,000.00")

    assert refused.status_code == 400
    assert "1.234,50" in refused.get_data(as_text=True)
    assert "<td>loss</td>" not in person.text(f"/console/wallets/{wallet_id}")


def test_support_pauses_a_player_and_only_compliance_may_lift_an_indefinite_pause(
        console_app: object, person: Person, platform: AdminClient,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet()
    person.sign_in("sam-support")

    paused = post_form(person, wallet_id, "pause", kind="PAUSE", until="",
                       origin="PLAYER", reason="asked for a break")
    page = person.text(f"/console/wallets/{wallet_id}")
    lift = post_form(person, wallet_id, "pause/lift", reason="asked to come back")

    assert paused.status_code == 303
    assert "Paused" in page and "indefinitely" in page
    assert "Lift the pause" not in page
    assert lift.status_code == 403
    assert platform.get(f"/wallets/{wallet_id}/limits").get_json()["pause"]["kind"] == "PAUSE"
    [entry] = audited("player.pause")
    assert (entry.entry.actor_name, entry.entry.reason) == ("sam-support", "asked for a break")


def test_a_pause_until_a_moment_is_read_as_utc(person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("carla-compliance")

    paused = post_form(person, wallet_id, "pause", kind="EXCLUSION",
                       until="2031-01-02T03:04", origin="PLAYER", reason="six months")

    assert paused.status_code == 303
    pause = platform.get(f"/wallets/{wallet_id}/limits").get_json()["pause"]
    assert (pause["kind"], pause["until"]) == ("EXCLUSION", "2031-01-02T03:04:00.000Z")


def test_the_auditor_gets_no_forms_and_is_refused_a_change(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("carla-compliance")
    token = form_token(person.open("/console/"))
    auditor = Person(person.app, person.clock)
    auditor.sign_in("ana-auditor")
    auditor_token = form_token(auditor.open("/console/"))

    refused = auditor.client.post(f"/console/wallets/{wallet_id}/limits", data={
        "csrf_token": auditor_token, "limit": "LOSS", "period": "DAY", "value": "1"})

    assert refused.status_code == 403
    assert token != auditor_token
    assert platform.get(f"/wallets/{wallet_id}/limits").get_json()["limits"] == []


def test_support_blocks_and_unblocks_a_player_saying_why(
        person: Person, platform: AdminClient,
        audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id = platform.wallet()
    person.sign_in("sam-support")

    without_reason = post_form(person, wallet_id, "block", reason="")
    blocked = post_form(person, wallet_id, "block", reason="chargeback ticket T-7")
    page = person.text(f"/console/wallets/{wallet_id}")
    assert platform.get(f"/wallets/{wallet_id}").get_json()["blocked"] is True
    unblocked = post_form(person, wallet_id, "unblock", reason="resolved")

    assert without_reason.status_code == 400
    assert blocked.status_code == unblocked.status_code == 303
    assert "<strong>Blocked</strong>" in page and "Unblock the player" in page
    assert platform.get(f"/wallets/{wallet_id}").get_json()["blocked"] is False
    [refused, entry] = audited("player.block")
    assert refused.entry.outcome == 400
    assert (entry.entry.reason, entry.entry.before, entry.entry.after) == (
        "chargeback ticket T-7", {"blocked": False}, {"blocked": True})


def test_a_raise_waiting_for_its_cooling_off_can_be_cancelled(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("carla-compliance")
    assert post_form(person, wallet_id, "limits", limit="DEPOSIT", period="WEEK",
                     value="100.00").status_code == 303
    assert post_form(person, wallet_id, "limits", limit="DEPOSIT", period="WEEK",
                     value="500.00").status_code == 303
    pending = person.text(f"/console/wallets/{wallet_id}")
    assert "500.00 BRL from" in pending and "Cancel the change" in pending

    cancelled = post_form(person, wallet_id, "limits/cancel", limit="DEPOSIT", period="WEEK")

    assert cancelled.status_code == 303
    [limit] = platform.get(f"/wallets/{wallet_id}/limits").get_json()["limits"]
    assert (limit["value"], limit["pending"]) == (100, None)
    assert "Cancel the change" not in person.text(f"/console/wallets/{wallet_id}")


def test_a_removal_waits_for_its_cooling_off_then_the_limit_is_gone(
        person: Person, platform: AdminClient, gpas: GpasClient[TestResponse],
        clock: FakeClock, audited: Callable[[str], list[Recorded]]) -> None:
    wallet_id, session_id = open_session(gpas, platform, real="100")
    person.sign_in("carla-compliance")
    assert post_form(person, wallet_id, "limits", limit="BET", period="",
                     value="5.00").status_code == 303
    assert "Remove after the cooling-off" in person.text(f"/console/wallets/{wallet_id}")

    removed = post_form(person, wallet_id, "limits/remove", limit="BET", period="",
                        by="player", reason="asked in the app")

    assert (removed.status_code, removed.headers["Location"]) == (
        303, f"/console/wallets/{wallet_id}#limits")
    pending = person.text(f"/console/wallets/{wallet_id}")
    assert "removed from" in pending and "Cancel the change" in pending
    assert "Remove after the cooling-off" not in pending  # asked once: nothing more to remove
    [limit] = platform.get(f"/wallets/{wallet_id}/limits").get_json()["limits"]
    assert (limit["value"], limit["pending"]["value"], limit["pending"]["by"]) == (
        5, None, "player")
    assert json_of(gpas.debit(session_id, "6.00"))["type"] == "BET_LIMIT_REACHED"
    [*_, entry] = audited("limits.set")
    assert (entry.entry.reason, entry.entry.outcome) == ("asked in the app", 303)
    assert entry.entry.after["limits"][0]["pending"]["value"] is None

    with person.app.app_context():
        clock.advance(services().config.limit_cooling_off_seconds + 1)
    person.sign_in("carla-compliance")  # a day later: the session idled out

    assert platform.get(f"/wallets/{wallet_id}/limits").get_json()["limits"] == []
    assert "No limits are set." in person.text(f"/console/wallets/{wallet_id}")
    later = gpas.open_session(wallet_id, platform.token(wallet_id))
    assert gpas.debit(json_of(later)["id"], "6.00").status_code == 200


def test_a_removal_is_not_a_set_limit_without_a_value(
        person: Person, platform: AdminClient) -> None:
    wallet_id = platform.wallet()
    person.sign_in("carla-compliance")
    assert post_form(person, wallet_id, "limits", limit="LOSS", period="DAY",
                     value="20.00").status_code == 303

    empty = post_form(person, wallet_id, "limits", limit="LOSS", period="DAY", value="")

    assert empty.status_code == 400
    [limit] = platform.get(f"/wallets/{wallet_id}/limits").get_json()["limits"]
    assert (limit["value"], limit["pending"]) == (20, None)
