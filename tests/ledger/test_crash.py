"""Under signed traffic to gunicorn: exporters killed with kill -9 mid-batch, PostgreSQL
restarted; then every change is in the ledger once, and Redis rebuilt from it is the same."""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from typing import Any

import pytest

from devkit.postgres import LocalPostgres
from tests.support.ledger import WALLETSVC
from tests.support.service import ROOT, Service
from walletsvc.ledger.database import connect
from walletsvc.store import RedisClient, keys
from walletsvc.store import connect as redis_connect
from walletsvc.store.outbox import Outbox

pytestmark = [pytest.mark.slow, pytest.mark.realredis]
RECONCILIATION = {"Authorization": "Bearer reconciliation-key"}


def traffic(service: Service, stop: threading.Event, moved: list[str]) -> None:
    """One player: bets, wins and rollbacks until told to stop."""
    rng = random.Random()
    _, session_id = service.funded_session("100000")
    bets: list[str] = []
    while not stop.is_set():
        roll, ref = rng.random(), f"ref-{uuid.uuid4().hex}"
        if roll < 0.55:
            answer = service.gpas.debit(session_id, str(rng.randint(1, 50)), ref)
            if answer.status_code == 200:
                bets.append(ref)
        elif roll < 0.9:
            answer = service.gpas.credit(session_id, str(rng.randint(0, 50)), ref)
        elif bets:
            answer = service.gpas.rollback(session_id, bets.pop(rng.randrange(len(bets))), ref)
        else:
            continue
        if answer.status_code == 200:
            moved.append(ref)


def reconciliation(service: Service, day: str) -> tuple[int, Any]:
    """Return the status and body of the day's reconciliation report."""
    answer = service.http.open(f"/reconciliation?date_from={day}&date_to={day}",
                               headers=RECONCILIATION)
    return answer.status_code, answer.json


def test_killed_exporters_and_a_postgres_restart_lose_and_double_nothing_then_restore(
        stack: dict[str, Any], postgres: LocalPostgres, ledger_url: str) -> None:
    service, exporters = stack["service"], stack["exporters"]
    redis: RedisClient = redis_connect(stack["redis_url"], 5.0)
    stop, moved = threading.Event(), list[str]()
    players = [threading.Thread(target=traffic, args=(service, stop, moved)) for _ in range(4)]
    for player in players:
        player.start()
    exporters.start()
    for _ in range(4):  # kill -9 mid-batch, again and again, with another one running beside
        time.sleep(1.0)
        exporters.processes[-1].kill()
        exporters.start()
    postgres.stop()
    time.sleep(1.5)  # traffic goes on without PostgreSQL; the exporters wait
    postgres.start()
    time.sleep(2)
    exporters.processes[-1].kill()
    stop.set()
    for player in players:
        player.join(60)
    exporters.stop()
    assert len(moved) > 100
    done = subprocess.run([WALLETSVC, "ledger", "export",
                           "--claim-idle", "0"], cwd=ROOT, env=service.env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert Outbox(redis).backlog().pending == 0

    with connect(ledger_url) as conn:
        in_ledger = conn.execute("SELECT reference, count(*) FROM ledger_entries WHERE event"
                                 " IN ('debit', 'credit', 'rollback') GROUP BY reference"
                                 ).fetchall()
    counts = {reference: count for reference, count in in_ledger}
    assert set(moved) <= set(counts) and set(counts.values()) == {1}
    verified = subprocess.run([WALLETSVC, "ledger", "verify",
                               "--wait", "0"], cwd=ROOT, env=service.env, capture_output=True,
                              text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout

    wallets = {key.split(":", 2)[2]: redis.hgetall(key) for key in redis.scan_iter(match="w:*")}
    day = time.strftime("%Y-%m-%d", time.gmtime())
    report = reconciliation(service, day)
    if "cluster" in stack["redis_url"]:
        redis.flushall(target_nodes="primaries")
    else:
        redis.flushall()
    restored = subprocess.run([WALLETSVC, "ledger", "restore"],
                              cwd=ROOT, env=service.env, capture_output=True, text=True,
                              timeout=300)
    assert restored.returncode == 0, restored.stderr
    assert {key.split(":", 2)[2]: redis.hgetall(key)
            for key in redis.scan_iter(match="w:*")} == wallets
    assert reconciliation(service, day) == report
    wallet_id, session_id = service.funded_session("10")
    for reference in random.Random(1).sample(moved, 30):
        answer = service.gpas.debit(session_id, "1", reference)
        assert (answer.status_code, answer.json["code"]) == (400, 1003), reference
    assert redis.hget(keys.wallet(wallet_id), "real") == "1000"  # refusals moved nothing
