"""Redis Cluster specifics: one slot per wallet, and reference claims across slots."""

from __future__ import annotations

import random

import pytest
from redis.cluster import RedisCluster
from redis.crc import key_slot

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import FakeClock, base_config
from tests.support.answers import error_of
from tests.support.traffic import play, report
from walletsvc import create_app
from walletsvc.store import RedisClient, keys

pytestmark = pytest.mark.realredis


@pytest.mark.parametrize("wallet_id", ["w1", "player-42", "9f1c2d7e", "x" * 64])
def test_every_key_of_a_wallets_scripts_shares_one_slot(wallet_id: str) -> None:
    session_id = keys.new_session_id(wallet_id)
    token = keys.wallet_shard(wallet_id) + "token"
    wallet_keys = [
        keys.wallet(wallet_id), keys.wallet_stream(wallet_id), keys.wallet_sessions(wallet_id),
        keys.adjustment(wallet_id, "r"), keys.session(session_id),
        keys.live_session(session_id), keys.session_stream(session_id),
        keys.movement(wallet_id, "BL13GT", "ref-1"), keys.launch_token(token),
        keys.used_jwt(wallet_id, "jti"),
        keys.reconciliation(keys.wallet_shard(wallet_id), "2026-11-23"),
    ]
    assert len({key_slot(key.encode()) for key in wallet_keys}) == 1


def test_wallets_spread_over_every_master(cluster_redis: RedisClient) -> None:
    assert isinstance(cluster_redis, RedisCluster)
    masters = {node.name for node in cluster_redis.get_primaries()}
    owners = {cluster_redis.get_node_from_key(keys.wallet(f"w{n}")).name for n in range(64)}
    assert owners == masters


def test_refused_debit_keeps_its_reference_for_its_wallet_only(cluster_redis: RedisClient,
                                                               operators_url: str) -> None:
    client = create_app(base_config(ledger_url=operators_url), redis=cluster_redis,
                        clock=FakeClock()).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id, session_id = open_session(gpas, admin, real="5")
    other_wallet, other_session = open_session(gpas, admin, real="50")
    assert error_of(gpas.debit(session_id, "10", reference="bet-1"))[1] == 1007
    assert cluster_redis.get(keys.reference_owner("BL13GT", "bet-1")) == wallet_id
    assert admin.balance(wallet_id)["real"] == 5
    assert error_of(gpas.debit(other_session, "10", reference="bet-1"))[1] == 1003
    assert admin.balance(other_wallet)["real"] == 50
    assert gpas.debit(session_id, "5", reference="bet-1").status_code == 200
    assert admin.balance(wallet_id)["real"] == 0


def test_rollback_of_a_reference_claimed_by_another_wallet_is_refused(
        cluster_redis: RedisClient, operators_url: str) -> None:
    client = create_app(base_config(ledger_url=operators_url), redis=cluster_redis,
                        clock=FakeClock()).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, mine = open_session(gpas, admin)
    other_wallet, theirs = open_session(gpas, admin)
    assert gpas.debit(theirs, "10", reference="their-bet").status_code == 200
    assert error_of(gpas.rollback(mine, "their-bet")) == (400, 1002, "INVALID_TX_ID")
    assert admin.balance(other_wallet)["real"] == 90


def test_reconciliation_over_a_cluster_equals_one_node(real_redis: RedisClient,
                                                       cluster_redis: RedisClient,
                                                       operators_url: str) -> None:
    reports = []
    for server in (real_redis, cluster_redis):
        clock = FakeClock()
        app = create_app(base_config(session_idle_seconds=2 * 86_400,
                                     session_max_seconds=30 * 86_400, ledger_url=operators_url),
                         redis=server, clock=clock)
        client = app.test_client()
        play(GpasClient(client), AdminClient(client), clock, random.Random(11), days=3)
        reports.append(report(client, "date_from=2026-09-21&date_to=2026-09-30"))
    single, cluster = reports
    assert len(single) > 10
    assert cluster == single
