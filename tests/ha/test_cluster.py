"""Redis Cluster with a replica per master: WAIT reaches the master that ran the write, and the
loss of one master under load loses nothing acknowledged while the others keep answering.

A GPAS reference is unique across every wallet of a parent system (docs/gpas-contract.md,
"Idempotency and replays"), so a movement also claims its reference in the directory's slot,
which any master may hold: while a master fails over, the movements whose wallet or whose
reference lives there wait with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis.cluster import RedisCluster
from redis.crc import key_slot

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.redis import RedisBinary
from devkit.settings import PARENT_ID, FakeClock, base_config
from devkit.store import ready, stream_fields
from tests.ha.load import SignedLoad, audit, funded_sessions, record, replays_differing
from tests.ha.servers import ClusterWithReplicas, client, info, store_client, wait_for
from tests.ha.test_failover import SETTLE, WARM_UP, binary_of
from tests.realredis.test_round_trips import commands_sent
from tests.support.service import Service
from walletsvc import create_app
from walletsvc.store import keys

pytestmark = [
    pytest.mark.realredis, pytest.mark.slow,
    # Load for seconds around a kill, with Redis timeouts of seconds: one such scenario at a
    # time (one xdist group), so that two never starve each other of the two cores.
    pytest.mark.xdist_group("failover"),
]


@pytest.fixture
def cluster(tmp_path: Path, redis_binary: RedisBinary) -> Iterator[ClusterWithReplicas]:
    """Three masters with a replica each."""
    servers = ClusterWithReplicas(tmp_path / "cluster", binary=redis_binary)
    yield servers.start()
    servers.stop()


def _master_of(redis: RedisCluster, key: str) -> int:
    return int(redis.get_node_from_key(key).port)


def _slots_of(port: int) -> set[int]:
    """Return the slots the master on ``port`` serves now."""
    with client(port) as node:
        ranges = node.execute_command("CLUSTER", "SLOTS")
    return {slot for first, last, master, *_ in ranges if int(master[1]) == port
            for slot in range(int(first), int(last) + 1)}


def _service_on(cluster: ClusterWithReplicas, ledger_url: str
                ) -> tuple[RedisCluster, GpasClient, AdminClient]:
    """The app over ``cluster`` with MIN_REPLICAS=1 (its operators at ``ledger_url``): its
    client and the two API clients."""
    redis = ready(store_client(cluster.url))
    assert isinstance(redis, RedisCluster)
    app = create_app(base_config(redis_min_replicas=1, ledger_url=ledger_url), redis=redis,
                     clock=FakeClock())
    return redis, GpasClient(app.test_client()), AdminClient(app.test_client())


def test_a_movement_and_its_claim_wait_on_the_masters_that_wrote_them(
        cluster: ClusterWithReplicas, operators_url: str) -> None:
    redis, gpas, admin = _service_on(cluster, operators_url)
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.debit(session_id, "1").status_code == 200  # scripts loaded, session known
    reference = next(f"bet-{n}" for n in range(100) if _master_of(
        redis, keys.reference_owner(PARENT_ID, f"bet-{n}")) != _master_of(
        redis, keys.wallet(wallet_id)))
    masters = {node.port: node for node in cluster.masters}
    wallet_master = masters[_master_of(redis, keys.wallet(wallet_id))]
    claim_master = masters[_master_of(redis, keys.reference_owner(PARENT_ID, reference))]

    with commands_sent(wallet_master) as on_wallet, commands_sent(claim_master) as on_claim:
        assert gpas.debit(session_id, "1", reference=reference).status_code == 200

    assert on_wallet.names == ["EVALSHA", "WAIT"] and len(on_wallet.connections) == 1
    assert on_claim.names == ["SET", "WAIT"] and len(on_claim.connections) == 1


@pytest.fixture
def service(tmp_path: Path, operators_url: str) -> Iterator[Callable[[str], Service]]:
    """walletsvc under gunicorn with MIN_REPLICAS=1; stopped after the test."""
    started: list[Service] = []

    def start(url: str) -> Service:
        started.append(Service(url, tmp_path / "gunicorn.log", operators_url, workers=4,
                               WALLETSVC_REDIS_MIN_REPLICAS="1",
                               WALLETSVC_REDIS_REPLICA_TIMEOUT_MS="500",
                               WALLETSVC_DUPLICATE_REPLY="replay").start())
        return started[-1]

    yield start
    for each in started:
        each.stop()


@pytest.fixture
def cluster_on_redis_7(tmp_path: Path) -> Iterator[ClusterWithReplicas]:
    """Three masters with a replica each, on Redis 7 (the failover figures come from it)."""
    servers = ClusterWithReplicas(tmp_path / "cluster", binary=binary_of("7"))
    yield servers.start()
    servers.stop()


def test_killing_one_master_loses_nothing_and_stops_nothing_the_others_hold(
        cluster_on_redis_7: ClusterWithReplicas, service: Callable[[str], Service],
        figures_dir: Path) -> None:
    cluster = cluster_on_redis_7
    walletsvc = service(cluster.url)
    sessions = funded_sessions(walletsvc, 12)
    redis = store_client(cluster.url)
    assert isinstance(redis, RedisCluster)
    victim = cluster.masters[0]
    on_victim = {wallet for wallet, _ in sessions
                 if _master_of(redis, keys.wallet(wallet)) == victim.port}
    assert on_victim and len(on_victim) < len(sessions)
    victim_slots = _slots_of(victim.port)
    load = SignedLoad(walletsvc, sessions)
    with load:
        time.sleep(WARM_UP)
        killed_at = time.monotonic()
        victim.kill()
        heir = cluster.replicas[0].port
        wait_for("the replica to take over", lambda: info(heir)["role"] == "master")
        promoted = round(time.monotonic() - killed_at, 2)
        victim.start()  # its supervisor brings it back; it rejoins as the new master's replica
        wait_for("the old master to follow", lambda: info(victim.port)["role"] == "slave"
                 and info(victim.port)["master_link_status"] == "up")
        back = round(time.monotonic() - killed_at, 2)
        wait_for("an acknowledgement on the failed-over slots",
                 lambda: load.outage(killed_at, on_victim) < float("inf"))
        time.sleep(SETTLE)
    figures = audit(store_client(f"redis+cluster://127.0.0.1:{cluster.masters[1].port}"), load,
                    "cluster kill -9 of one master, redis 7, MIN_REPLICAS=1")
    others = [call for call in load.calls if call.wallet_id not in on_victim]
    elsewhere = [call for call in others if key_slot(
        keys.reference_owner(PARENT_ID, call.reference).encode()) not in victim_slots]
    figures.outage_seconds = load.outage(killed_at, on_victim)
    figures.extra = {"promoted_after": promoted, "old_master_back_after": back,
                     "calls on the other masters' wallets": len(others),
                     "their failures": sum(1 for c in others if c.status != 200),
                     "their failures with the reference on the failed master": sum(
                         1 for c in others if c.status != 200 and c not in elsewhere),
                     "replays differing": len(replays_differing(load))}
    record(figures, figures_dir)

    assert figures.lost == 0 and figures.extra["replays differing"] == 0, figures
    # What the other masters hold alone never stops.
    assert load.statuses(elsewhere) == {200: len(elsewhere)}, figures
    assert any(c.started > killed_at for c in elsewhere)
    resumed = killed_at + figures.outage_seconds + 1
    late = [c.status for c in load.calls if c.wallet_id in on_victim and c.started > resumed]
    assert late and set(late) == {200}, figures  # the failed-over slots resumed by themselves
    assert client(heir).info("replication")["role"] == "master"


def test_a_write_sent_to_a_master_that_no_longer_owns_its_slot_runs_once_on_the_owner(
        cluster: ClusterWithReplicas, operators_url: str) -> None:
    redis, gpas, admin = _service_on(cluster, operators_url)
    wallet_id, session_id = open_session(gpas, admin, real="100")
    assert gpas.balance(session_id).status_code == 200  # the session's wallet is known now
    slot = key_slot(keys.wallet(wallet_id).encode())
    owner = redis.nodes_manager.slots_cache[slot][0]
    stranger = next(node for node in redis.get_primaries()
                    if node.port != owner.port)
    redis.nodes_manager.slots_cache[slot][0] = stranger  # a stale map, as after a failover

    assert gpas.debit(session_id, "10", reference="bet-moved").status_code == 200  # MOVED

    assert redis.nodes_manager.slots_cache[slot][0].port == owner.port
    stream = stream_fields(redis, keys.wallet_stream(wallet_id))
    assert [e["ref"] for e in stream if e["event"] == "debit"] == ["bet-moved"]
    assert admin.balance(wallet_id)["real"] == 90
