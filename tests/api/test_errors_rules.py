"""A movement that breaks a business rule (1002, 1003, 1007-1009) is refused, changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from tests.support.answers import assert_error_shape, assert_refused
from tests.support.calls import Live
from tests.support.store import snapshot
from walletsvc.store import RedisClient, keys


def test_rollback_of_another_wallets_movement_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, live: Live, redis_client: RedisClient) -> None:
    _, mine = open_session(gpas, admin)
    assert_refused(redis_client, lambda: gpas.rollback(mine, "bet-1"),
                   (400, 1002, "INVALID_TX_ID"))


def test_rollback_of_unknown_reference_changes_only_its_tombstone(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    # docs/gpas-contract.md, "Rollbacks": the one deliberate write on a refusal is the
    # tombstone, its audit entry and its outbox entry (the ledger keeps tombstones too).
    before = snapshot(redis_client)
    assert_error_shape(gpas.rollback(live.session_id, "late-bet"), (400, 1002, "INVALID_TX_ID"))
    after = snapshot(redis_client)
    stream = keys.session_stream(live.session_id)
    outbox = keys.outbox(keys.session_shard(live.session_id))
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert before.keys() <= after.keys()
    assert {key for key in changed if "late-bet" not in key} == {stream, outbox}
    for key in (stream, outbox):
        assert after[key][1][:-1] == before[key][1]
        assert after[key][1][-1][1]["event"] == "tombstone"
        assert after[key][1][-1][1]["ref"] == "late-bet"


@pytest.mark.parametrize("repeat", [
    lambda gpas, session_id: gpas.debit(session_id, "1", reference="bet-1"),
    lambda gpas, session_id: gpas.credit(session_id, "1", reference="bet-1"),
    lambda gpas, session_id: gpas.rollback(session_id, "bet-1", reference="bet-1"),
], ids=["debit", "credit", "rollback"])
def test_movement_under_a_known_reference_is_refused_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient,
        repeat: Callable[[GpasClient, str], TestResponse]) -> None:
    assert_refused(redis_client, lambda: repeat(gpas, live.session_id),
                   (400, 1003, "DUPLICATE_TX_ID"))


def test_debit_above_real_plus_bonus_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="5", bonus="2")
    assert_refused(redis_client, lambda: gpas.debit(session_id, "7.01", reference="bet-1"),
                   (400, 1007, "INSUFFICIENT_FUNDS"))
    assert gpas.debit(session_id, "7", reference="bet-1").status_code == 200
    balance = admin.balance(wallet_id)
    assert (balance["real"], balance["bonus"]) == (Decimal(0), Decimal(0))


def test_debit_by_blocked_player_is_refused_and_changes_nothing(
        gpas: GpasClient, admin: AdminClient, live: Live, redis_client: RedisClient) -> None:
    assert admin.post(f"/wallets/{live.wallet_id}/block", {"reason": "test"}).status_code == 200
    assert_refused(redis_client, lambda: gpas.debit(live.session_id, "1"),
                   (400, 1008, "USER_BLOCKED"))


def test_debit_on_unknown_game_is_refused_and_changes_nothing(
        make_app: Callable[..., Flask], redis_client: RedisClient, catalogue_path: Path) -> None:
    client = make_app(games_catalogue=catalogue_path).test_client()
    gpas = GpasClient(client)
    _, session_id = open_session(gpas, AdminClient(client))
    unknown_game = {"gpasSessionId": "gpas-1", "gameid": "agt-999"}
    assert_refused(redis_client, lambda: gpas.debit(session_id, "1", tags=unknown_game),
                   (400, 1009, "INVALID_GAME_ID"))
