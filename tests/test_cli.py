"""The operator commands: JSON on success, the GPAS error body and a non-zero exit on refusal."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import decimal_json, json_of
from devkit.settings import START_MS, FakeClock
from devkit.store import initialised
from tests.support.store import snapshot
from walletsvc.clock import iso_utc
from walletsvc.store import RedisClient

CREATED = iso_utc(START_MS)
pytestmark = pytest.mark.usefixtures("platform_cli")


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner over the same app (and store) as the ``admin`` and ``gpas`` clients."""
    return app.test_cli_runner()


def run(runner: FlaskCliRunner, *args: str) -> Any:
    """Run a command that must succeed; return its JSON output with exact decimals."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return json.loads(result.stdout, parse_float=Decimal)


def refusal(result: Result) -> dict[str, Any]:
    """Return the GPAS error body that a refused command printed; it must exit 1."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    match = re.fullmatch(r"Error: (\{.*\})\n", result.stderr)
    assert match, result.stderr
    body: dict[str, Any] = json.loads(match.group(1))
    assert set(body) >= {"code", "type", "message"}
    return body


def refused(runner: FlaskCliRunner, *args: str) -> tuple[int, str]:
    """Run a command that must be refused; return (GPAS code, type)."""
    body = refusal(runner.invoke(args=list(args)))
    return body["code"], body["type"]


def usage_error(runner: FlaskCliRunner, *args: str) -> str:
    """Run a command whose arguments click refuses; return its message."""
    result = runner.invoke(args=list(args))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return result.stderr


def new_wallet(runner: FlaskCliRunner, wallet_id: str = "w-1", real: str = "0") -> str:
    run(runner, "create-wallet", "--player", "player-1", "--currency", "BRL",
        "--wallet-id", wallet_id)
    if Decimal(real) > 0:
        run(runner, "deposit", wallet_id, real, "--reference", "fund")
    return wallet_id


# create-wallet and show-wallet ------------------------------------------------------------

def test_create_wallet_prints_the_new_wallet_and_stores_it(runner: FlaskCliRunner,
                                                           admin: AdminClient) -> None:
    printed = run(runner, "create-wallet", "--player", "player-9", "--currency", "brl",
                  "--wallet-id", "w-1")
    expected = {"walletId": "w-1", "playerId": "player-9", "currency": "BRL", "blocked": False,
                "created": CREATED,
                "balance": {"total": Decimal("0.00"), "real": Decimal("0.00"),
                            "bonus": Decimal("0.00")}}
    assert printed == expected
    assert decimal_json(admin.get("/wallets/w-1")) == expected


def test_create_wallet_generates_an_id_when_none_is_given(runner: FlaskCliRunner,
                                                          admin: AdminClient) -> None:
    printed = run(runner, "create-wallet", "--player", "player-1", "--currency", "CLP")
    assert re.fullmatch(r"[0-9a-f]{32}", printed["walletId"])
    assert admin.get(f"/wallets/{printed['walletId']}").status_code == 200


def test_create_wallet_with_a_taken_id_is_refused_and_keeps_the_first(
        runner: FlaskCliRunner, admin: AdminClient, redis_client: RedisClient) -> None:
    new_wallet(runner, "w-1", real="10")
    before = snapshot(redis_client)
    result = runner.invoke(args=["create-wallet", "--player", "intruder", "--currency", "USD",
                                 "--wallet-id", "w-1"])
    assert refusal(result) == {"code": 1010, "type": "CONFLICT", "message": "Already exists"}
    assert snapshot(redis_client) == before
    assert decimal_json(admin.get("/wallets/w-1"))["playerId"] == "player-1"


@pytest.mark.parametrize(("args", "error"), [
    (["--currency", "XYZ"], (1010, "CURRENCY_ERROR")),
    (["--currency", "BRL", "--wallet-id", "has space"], (1010, "INVALID_REQUEST")),
    (["--currency", "BRL", "--wallet-id", "w" * 65], (1010, "INVALID_REQUEST")),
])
def test_create_wallet_refusals_print_the_gpas_error_and_store_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient, args: list[str],
        error: tuple[int, str]) -> None:
    assert refused(runner, "create-wallet", "--player", "p", *args) == error
    assert snapshot(redis_client) == initialised()


def test_create_wallet_needs_player_and_currency(runner: FlaskCliRunner,
                                                 redis_client: RedisClient) -> None:
    assert "--player" in usage_error(runner, "create-wallet", "--currency", "BRL")
    assert "--currency" in usage_error(runner, "create-wallet", "--player", "p")
    assert snapshot(redis_client) == initialised()


def test_show_wallet_prints_what_the_admin_api_shows(runner: FlaskCliRunner,
                                                     admin: AdminClient) -> None:
    wallet_id = admin.wallet("12.5", "3")
    printed = run(runner, "show-wallet", wallet_id)
    assert printed == decimal_json(admin.get(f"/wallets/{wallet_id}"))
    assert printed["balance"] == {"total": Decimal("15.50"), "real": Decimal("12.50"),
                                  "bonus": Decimal("3.00")}


def test_amounts_are_printed_as_exact_numbers_at_the_currency_scale(
        runner: FlaskCliRunner) -> None:
    new_wallet(runner, "w-1", real="10.5")
    result = runner.invoke(args=["show-wallet", "w-1"])
    assert '"real": 10.50,' in result.stdout


def test_show_wallet_of_an_unknown_wallet_is_refused(runner: FlaskCliRunner) -> None:
    assert refused(runner, "show-wallet", "no-such-wallet") == (1010, "NOT_FOUND")


# deposit and withdraw ---------------------------------------------------------------------

@pytest.mark.parametrize(("sub_wallet", "real", "bonus"), [
    ("REAL", Decimal("25.50"), Decimal(0)), ("BONUS", Decimal(0), Decimal("25.50")),
])
def test_deposit_prints_the_movement_and_new_balances(
        runner: FlaskCliRunner, admin: AdminClient, sub_wallet: str, real: Decimal,
        bonus: Decimal) -> None:
    wallet_id = new_wallet(runner)
    printed = run(runner, "deposit", wallet_id, "25.5", "--sub-wallet", sub_wallet,
                  "--reference", "dep-1")
    assert printed["replayed"] is False
    assert printed["movementId"]
    assert printed["wallet"]["balance"] == {"total": Decimal("25.5"), "real": real,
                                            "bonus": bonus}
    assert admin.balance(wallet_id) == {"total": Decimal("25.5"), "real": real, "bonus": bonus}


def test_deposit_goes_to_real_by_default(runner: FlaskCliRunner, admin: AdminClient) -> None:
    wallet_id = new_wallet(runner)
    run(runner, "deposit", wallet_id, "5", "--reference", "dep-1")
    assert admin.balance(wallet_id) == {"total": 5, "real": 5, "bonus": 0}


def test_repeated_deposit_is_replayed_and_moves_no_money(
        runner: FlaskCliRunner, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id = new_wallet(runner)
    first = run(runner, "deposit", wallet_id, "10", "--reference", "dep-1")
    before = snapshot(redis_client)
    again = run(runner, "deposit", wallet_id, "10.00", "--reference", "dep-1")
    assert again["replayed"] is True
    assert again["movementId"] == first["movementId"]
    assert snapshot(redis_client) == before
    assert admin.balance(wallet_id)["real"] == Decimal(10)


def test_different_deposit_under_a_known_reference_is_refused_and_moves_nothing(
        runner: FlaskCliRunner, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id = new_wallet(runner)
    run(runner, "deposit", wallet_id, "10", "--reference", "dep-1")
    before = snapshot(redis_client)
    assert refused(runner, "deposit", wallet_id, "11", "--reference", "dep-1") == (
        1003, "DUPLICATE_TX_ID")
    assert refused(runner, "withdraw", wallet_id, "10", "--reference", "dep-1") == (
        1003, "DUPLICATE_TX_ID")
    assert snapshot(redis_client) == before
    assert admin.balance(wallet_id)["real"] == Decimal(10)


def test_withdraw_takes_from_the_named_sub_wallet(runner: FlaskCliRunner,
                                                  admin: AdminClient) -> None:
    wallet_id = admin.wallet("10", "5")
    printed = run(runner, "withdraw", wallet_id, "2", "--sub-wallet", "BONUS",
                  "--reference", "wd-1")
    assert printed["wallet"]["balance"] == {"total": 13, "real": 10, "bonus": 3}
    assert admin.balance(wallet_id) == {"total": 13, "real": 10, "bonus": 3}


def test_withdraw_above_the_sub_wallet_is_refused_and_moves_nothing(
        runner: FlaskCliRunner, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id = admin.wallet("10", "5")
    before = snapshot(redis_client)
    result = runner.invoke(args=["withdraw", wallet_id, "11", "--reference", "wd-1"])
    assert refusal(result) == {"code": 1007, "type": "INSUFFICIENT_FUNDS",
                               "message": "Insufficient funds"}
    assert snapshot(redis_client) == before
    assert admin.balance(wallet_id) == {"total": 15, "real": 10, "bonus": 5}


@pytest.mark.parametrize("amount", ["10.001", "0", "0.00", "1e-999999"])
@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_amount_the_currency_cannot_hold_is_refused_as_invalid_amount(
        runner: FlaskCliRunner, redis_client: RedisClient, command: str, amount: str) -> None:
    wallet_id = new_wallet(runner, real="100")
    before = snapshot(redis_client)
    assert refused(runner, command, wallet_id, amount, "--reference", "op-1") == (
        1010, "INVALID_AMOUNT")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "1_000", " 5", "1e999999"])
@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_amount_that_is_not_a_decimal_is_a_usage_error_and_moves_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient, command: str, amount: str) -> None:
    wallet_id = new_wallet(runner, real="100")
    before = snapshot(redis_client)
    assert "Invalid value for 'AMOUNT'" in usage_error(
        runner, command, wallet_id, amount, "--reference", "op-1")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_negative_amount_is_refused_and_moves_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient, command: str) -> None:
    wallet_id = new_wallet(runner, real="100")
    before = snapshot(redis_client)
    usage_error(runner, command, "--reference", "op-1", "--", wallet_id, "-5")
    assert snapshot(redis_client) == before


def test_adjustment_needs_a_reference(runner: FlaskCliRunner, redis_client: RedisClient) -> None:
    wallet_id = new_wallet(runner)
    before = snapshot(redis_client)
    assert "--reference" in usage_error(runner, "deposit", wallet_id, "5")
    assert "--sub-wallet" in usage_error(runner, "deposit", wallet_id, "5", "--reference", "r",
                                         "--sub-wallet", "CASH")
    assert snapshot(redis_client) == before


@pytest.mark.parametrize("command", ["deposit", "withdraw"])
def test_adjustment_of_an_unknown_wallet_is_refused_and_stores_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient, command: str) -> None:
    assert refused(runner, command, "no-such-wallet", "5", "--reference", "op-1") == (
        1010, "NOT_FOUND")
    assert snapshot(redis_client) == initialised()


# block and unblock ------------------------------------------------------------------------

def test_block_and_unblock_print_and_store_the_flag(runner: FlaskCliRunner,
                                                    admin: AdminClient) -> None:
    wallet_id = new_wallet(runner)
    assert run(runner, "block", wallet_id, "--reason", "asked")["blocked"] is True
    assert decimal_json(admin.get(f"/wallets/{wallet_id}"))["blocked"] is True
    assert run(runner, "unblock", wallet_id, "--reason", "asked")["blocked"] is False
    assert decimal_json(admin.get(f"/wallets/{wallet_id}"))["blocked"] is False


def test_blocked_wallet_cannot_open_a_session(runner: FlaskCliRunner, admin: AdminClient,
                                              gpas: GpasClient) -> None:
    wallet_id = new_wallet(runner, real="10")
    token = admin.token(wallet_id)
    run(runner, "block", wallet_id, "--reason", "asked")
    assert json_of(gpas.open_session(wallet_id, token))["code"] == 1008
    run(runner, "unblock", wallet_id, "--reason", "asked")
    assert gpas.open_session(wallet_id, token).status_code == 200


@pytest.mark.parametrize("command", ["block", "unblock"])
def test_blocking_an_unknown_wallet_is_refused_and_creates_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient, command: str) -> None:
    assert refused(runner, command, "no-such-wallet", "--reason", "asked") == (1010, "NOT_FOUND")
    assert snapshot(redis_client) == initialised()


# issue-token ------------------------------------------------------------------------------

def test_issue_token_prints_a_token_that_opens_one_session(
        runner: FlaskCliRunner, gpas: GpasClient) -> None:
    wallet_id = new_wallet(runner, real="10")
    printed = run(runner, "issue-token", wallet_id)
    assert set(printed) == {"authToken", "walletId", "expiresAt"}
    assert printed["walletId"] == wallet_id
    assert printed["expiresAt"] == iso_utc(START_MS + 300_000)
    assert gpas.open_session(wallet_id, printed["authToken"]).status_code == 200
    assert json_of(gpas.open_session(wallet_id, printed["authToken"]))["code"] == 1010


def test_issue_token_with_a_chosen_lifetime(runner: FlaskCliRunner) -> None:
    wallet_id = new_wallet(runner)
    printed = run(runner, "issue-token", wallet_id, "--ttl", "60")
    assert printed["expiresAt"] == iso_utc(START_MS + 60_000)


@pytest.mark.parametrize("ttl", ["0", "86401", "soon"])
def test_issue_token_refuses_a_lifetime_out_of_range(runner: FlaskCliRunner,
                                                     redis_client: RedisClient,
                                                     ttl: str) -> None:
    wallet_id = new_wallet(runner)
    before = snapshot(redis_client)
    assert "--ttl" in usage_error(runner, "issue-token", wallet_id, "--ttl", ttl)
    assert snapshot(redis_client) == before


def test_issue_token_for_an_unknown_wallet_is_refused_and_stores_nothing(
        runner: FlaskCliRunner, redis_client: RedisClient) -> None:
    assert refused(runner, "issue-token", "no-such-wallet") == (1010, "NOT_FOUND")
    assert snapshot(redis_client) == initialised()


# sessions, show-session, movements --------------------------------------------------------

def open_via_cli(runner: FlaskCliRunner, gpas: GpasClient, wallet_id: str) -> str:
    token = run(runner, "issue-token", wallet_id)["authToken"]
    response = gpas.open_session(wallet_id, token)
    assert response.status_code == 200
    return str(json_of(response)["id"])


def test_sessions_lists_the_wallets_sessions_newest_first(
        runner: FlaskCliRunner, gpas: GpasClient, clock: FakeClock) -> None:
    wallet_id = new_wallet(runner, real="10")
    first = open_via_cli(runner, gpas, wallet_id)
    clock.advance(10)
    gpas.close(first)
    clock.advance(10)
    second = open_via_cli(runner, gpas, wallet_id)
    printed = run(runner, "sessions", wallet_id)
    assert [(s["id"], s["status"]) for s in printed] == [(second, "OPEN"), (first, "CLOSE")]
    assert printed[1]["closed"] == iso_utc(START_MS + 10_000)
    assert [s["id"] for s in run(runner, "sessions", wallet_id, "--limit", "1")] == [second]


def test_sessions_of_an_unknown_wallet_is_refused(runner: FlaskCliRunner) -> None:
    assert refused(runner, "sessions", "no-such-wallet") == (1010, "NOT_FOUND")


def test_show_session_prints_the_whole_story(runner: FlaskCliRunner, gpas: GpasClient,
                                             admin: AdminClient) -> None:
    wallet_id = new_wallet(runner, real="10")
    session_id = open_via_cli(runner, gpas, wallet_id)
    gpas.debit(session_id, "4", "bet-1")
    gpas.credit(session_id, "1.5", "win-1")
    gpas.rollback(session_id, "bet-1", "rb-1")
    gpas.close(session_id)
    printed = run(runner, "show-session", session_id)
    assert printed == decimal_json(admin.get(f"/sessions/{session_id}"))
    assert printed["status"] == "CLOSE"
    assert [e["event"] for e in printed["entries"]] == [
        "opened", "debit", "credit", "rollback", "closed"]
    assert [e["data"].get("real_after") for e in printed["entries"]] == [
        None, Decimal(6), Decimal("7.5"), Decimal("11.5"), None]


def test_show_session_of_an_unknown_session_is_refused(runner: FlaskCliRunner) -> None:
    assert refused(runner, "show-session", "3fa85f64-5717-4562-b3fc-2c963f66afa6") == (
        1010, "NOT_FOUND")


def test_movements_walks_every_page_newest_first(runner: FlaskCliRunner) -> None:
    wallet_id = new_wallet(runner)
    refs = [f"dep-{n}" for n in range(5)]
    for ref in refs:
        run(runner, "deposit", wallet_id, "1", "--reference", ref)
    seen: list[str] = []
    cursor: list[str] = []
    for _ in refs:
        page = run(runner, "movements", wallet_id, "--limit", "2", *cursor)
        seen += [m["data"]["ref"] for m in page["movements"]]
        if page["nextCursor"] is None:
            break
        cursor = ["--cursor", page["nextCursor"]]
    assert seen == refs[::-1]
    assert run(runner, "movements", wallet_id)["movements"][0]["data"]["real_after"] == 5


@pytest.mark.parametrize("cursor", ["abc", "1-2-3", "18446744073709551616-0", "(5-0", "+"])
def test_movements_refuses_a_cursor_that_no_page_gave(runner: FlaskCliRunner,
                                                      cursor: str) -> None:
    wallet_id = new_wallet(runner, real="1")
    assert refused(runner, "movements", wallet_id, "--cursor", cursor) == (
        1010, "INVALID_REQUEST")


def test_movements_before_the_first_possible_entry_is_an_empty_page(
        runner: FlaskCliRunner) -> None:
    wallet_id = new_wallet(runner, real="1")
    assert run(runner, "movements", wallet_id, "--cursor", "0-0") == {
        "movements": [], "nextCursor": None}


def test_movements_of_an_unknown_wallet_is_refused(runner: FlaskCliRunner) -> None:
    assert refused(runner, "movements", "no-such-wallet") == (1010, "NOT_FOUND")
