"""Redis emptied under a running gunicorn and exporter: no money created, no reference doubled.

Players bet and win through gunicorn while the exporter follows; Redis is emptied (as a
restart without its files, or a failover to an empty node, leaves it); then everything an
operator or GPAS would try is refused, the CLI restores the store while GPAS keeps resending,
and afterwards the books are exactly what they were: every wallet's balance, every reference
once in the ledger, `ledger verify` clean.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from redis.cluster import RedisCluster

from devkit.ledger import copy_movements
from tests.support.ledger import WALLETSVC, Exporters
from tests.support.service import ROOT, Service
from walletsvc.ledger.database import connect
from walletsvc.store import RedisClient, WalletStore, keys
from walletsvc.store import connect as redis_connect
from walletsvc.store.outbox import Outbox

pytestmark = [pytest.mark.slow, pytest.mark.realredis]
WALLETS = 10


def cli(service: Service, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``walletsvc`` with the service's settings."""
    return subprocess.run([WALLETSVC, *args], cwd=ROOT, env=service.env, capture_output=True,
                          text=True, timeout=300, check=False)


def play(service: Service) -> dict[str, list[tuple[str, str, str]]]:
    """Bets and wins on each wallet; return per wallet its acknowledged (kind, ref, value)."""
    played: dict[str, list[tuple[str, str, str]]] = {}
    for _ in range(WALLETS):
        wallet_id, session_id = service.funded_session("100")
        done = []
        for n in range(7):
            kind, value = ("debit", "5.00") if n % 2 == 0 else ("credit", "2.50")
            ref = f"{kind}-{uuid.uuid4().hex}"
            send = service.gpas.debit if kind == "debit" else service.gpas.credit
            assert send(session_id, value, ref).status_code == 200
            done.append((kind, ref, value))
        played[wallet_id] = done
    return played


def balances(redis: RedisClient, wallets: list[str]) -> dict[str, tuple[str, str]]:
    found = {}
    for wallet_id in wallets:
        real, bonus = redis.hmget(keys.wallet(wallet_id), "real", "bonus")
        found[wallet_id] = (str(real), str(bonus))
    return found


def applications(ledger_url: str) -> dict[str, int]:
    """How many times the ledger holds each movement reference."""
    with connect(ledger_url) as conn:
        rows = conn.execute("SELECT reference, count(*) FROM ledger_entries"
                            " WHERE event IN ('debit', 'credit', 'rollback')"
                            " GROUP BY reference").fetchall()
    return {str(reference): int(str(count)) for reference, count in rows}


def resend_all(service: Service, played: dict[str, list[tuple[str, str, str]]],
               answers: list[tuple[str, int]]) -> None:
    """GPAS after a failure: a new session on each wallet, every acknowledged call again."""
    for wallet_id, done in played.items():
        token = service.admin_answer("POST", "/launch-tokens", {"walletId": wallet_id})
        answers.append(("token", token.status_code))
        if token.status_code != 201:
            continue
        opened = service.gpas.open_session(wallet_id, token.json["authToken"])
        answers.append(("session", opened.status_code))
        if opened.status_code != 200:
            continue
        for kind, ref, value in done:
            send = service.gpas.debit if kind == "debit" else service.gpas.credit
            answers.append((kind, send(opened.json["id"], value, ref).status_code))


def empty(redis: RedisClient) -> None:
    if isinstance(redis, RedisCluster):
        redis.flushall(target_nodes=RedisCluster.PRIMARIES)
    else:
        redis.flushall()


def test_an_emptied_store_under_gunicorn_and_the_exporter_creates_and_doubles_nothing(
        stack: dict[str, Any], ledger_url: str) -> None:
    service: Service = stack["service"]
    exporters: Exporters = stack["exporters"]
    redis = redis_connect(stack["redis_url"], 5.0)
    exporters.start()
    played = play(service)
    before = balances(redis, list(played))
    wait_for_export(redis)
    empty(redis)

    ready = service.http.open("/readyz")
    assert ready.status_code == 503 and "ledger restore" in str(ready.json["problems"])
    assert b"walletsvc_ready 0.0" in service.http.open("/metrics").data
    wallet_id = next(iter(played))
    created = service.admin_answer("POST", "/wallets", {"walletId": wallet_id, "playerId": "p",
                                                        "currency": "BRL"})
    assert (created.status_code, created.json["type"]) == (503, "STORE_NOT_READY")
    refused = cli(service, "store", "init")
    assert refused.returncode == 1 and "ledger restore" in refused.stderr

    answers: list[tuple[str, int]] = []
    resender = threading.Thread(target=resend_all, args=(service, played, answers))
    resender.start()
    restored = cli(service, "ledger", "restore")
    resender.join(120)
    assert restored.returncode == 0, restored.stderr
    resend_all(service, played, answers)  # and once more, on the whole store

    assert service.http.open("/readyz").status_code == 200
    moved = [status for kind, status in answers if kind in ("debit", "credit")]
    assert moved and 200 not in moved and set(moved) == {400}  # 1003, every one
    assert balances(redis, list(played)) == before  # no money created or lost
    wait_for_export(redis)
    counts = applications(ledger_url)
    references = [ref for done in played.values() for _, ref, _ in done]
    assert [counts.get(ref) for ref in references] == [1] * len(references)
    verified = cli(service, "ledger", "verify", "--wait", "5")
    assert verified.returncode == 0, verified.stdout


def wait_for_export(redis: RedisClient, seconds: float = 60) -> None:
    """Wait until the exporter has committed everything waiting in the outboxes."""
    deadline = time.monotonic() + seconds
    while Outbox(redis).backlog().pending:
        assert time.monotonic() < deadline, "the exporter did not catch up"
        time.sleep(0.2)


def kill_part_way(restoring: subprocess.Popen[bytes], store: WalletStore) -> None:
    """Kill ``restoring`` with kill -9 once some shards are ready and some are not.

    It runs in steps, stopped (SIGSTOP) between them while the markers are read: steps of 10 ms
    until it has marked its shards ``restoring``, then of 3 ms until one is ready. However long
    this process waits to be scheduled on a loaded machine, the restore never runs unseen
    past the moment to kill it."""
    deadline = time.monotonic() + 180
    restoring.send_signal(signal.SIGSTOP)
    steps: tuple[tuple[float, Callable[[], bool], str], ...] = (
        (0.010, lambda: bool(store.fence().restoring), "restore never marked its shards"),
        (0.003, lambda: bool(store.fence().ready), "restore made no shard ready"))
    for step_s, reached, late in steps:
        while not reached():
            assert restoring.poll() is None, "restore ended before the moment to kill it"
            assert time.monotonic() < deadline, late
            restoring.send_signal(signal.SIGCONT)
            time.sleep(step_s)
            restoring.send_signal(signal.SIGSTOP)
            time.sleep(0.05)  # what it sent before it stopped lands
    restoring.kill()
    restoring.wait(30)


def test_a_restore_killed_part_way_leaves_its_shards_fenced_and_finishes_when_run_again(
        stack: dict[str, Any], ledger_url: str) -> None:
    service: Service = stack["service"]
    redis = redis_connect(stack["redis_url"], 5.0)
    played = play(service)
    assert cli(service, "ledger", "export").returncode == 0
    copy_movements(ledger_url, 300)
    before = balances(redis, list(played))
    empty(redis)
    store = WalletStore(redis, 86_400_000)

    restoring = subprocess.Popen([WALLETSVC, "ledger", "restore"], cwd=ROOT, env=service.env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_part_way(restoring, store)
    fence = store.fence()
    assert fence.ready and (fence.restoring or fence.missing), "restore was not part-way"
    assert service.http.open("/readyz").status_code == 503
    answers: list[tuple[str, int]] = []
    resend_all(service, played, answers)
    assert ("debit", 200) not in answers and ("credit", 200) not in answers

    finished = cli(service, "ledger", "restore")
    assert finished.returncode == 0, finished.stderr
    assert store.fence().whole
    assert balances(redis, list(played)) == before
    resend_all(service, played, answers)
    moved = [status for kind, status in answers if kind in ("debit", "credit")]
    assert moved and set(moved) == {400}
