"""Many threads betting, winning and rolling back on one wallet, on every real store."""

from __future__ import annotations

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import FakeClock, base_config
from devkit.store import stream_fields
from tests.support.answers import error_of
from walletsvc import create_app
from walletsvc.store import RedisClient, keys

THREADS = 16
OPERATIONS = 900
Operation = tuple[str, str, str, str]  # kind, reference, value or reversed reference, session


def plan(sessions: list[str], rng: random.Random) -> list[Operation]:
    """Debits, credits and rollbacks of earlier movements, with a fifth of them repeated."""
    ops: list[Operation] = []
    movements: list[str] = []
    for n in range(OPERATIONS):
        session = rng.choice(sessions)
        roll = rng.random()
        if roll < 0.5:
            ops.append(("debit", f"d-{n}", f"{rng.randint(1, 4000) / 100:.2f}", session))
            movements.append(f"d-{n}")
        elif roll < 0.8:
            ops.append(("credit", f"c-{n}", f"{rng.randint(0, 3000) / 100:.2f}", session))
            movements.append(f"c-{n}")
        elif movements:
            ops.append(("rollback", f"r-{n}", rng.choice(movements), session))
    repeated = rng.sample(ops, len(ops) // 5)
    everything = ops + repeated
    rng.shuffle(everything)
    return everything


def send(gpas: GpasClient, op: Operation) -> tuple[int, int]:
    kind, reference, argument, session = op
    if kind == "debit":
        response = gpas.debit(session, argument, reference=reference)
    elif kind == "credit":
        response = gpas.credit(session, argument, reference=reference)
    else:
        response = gpas.rollback(session, argument, reference=reference)
    return response.status_code, 0 if response.status_code == 200 else error_of(response)[1]


@pytest.mark.realredis
def test_concurrent_movements_on_one_wallet_keep_the_books_exact(real_store: RedisClient,
                                                                 operators_url: str) -> None:
    # Repeats refused, not replayed: every 200 is then an application, counted below.
    app = create_app(base_config(duplicate_reply="refuse", ledger_url=operators_url),
                     redis=real_store, clock=FakeClock())
    admin, gpas = AdminClient(app.test_client()), GpasClient(app.test_client())
    wallet_id = admin.wallet(real="300", bonus="50")
    sessions = [json_of(gpas.open_session(wallet_id, admin.token(wallet_id)))["id"]
                for _ in range(4)]
    ops = plan(sessions, random.Random(20261123))
    outcomes: list[tuple[Operation, int, int]] = []
    lock = threading.Lock()

    def worker(share: list[Operation]) -> None:
        client = GpasClient(app.test_client())
        for op in share:
            status, code = send(client, op)
            with lock:
                outcomes.append((op, status, code))

    threads = [threading.Thread(target=worker, args=(ops[i::THREADS],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(outcomes) == len(ops)
    assert {code for _, _, code in outcomes} <= {0, 1002, 1003, 1007}
    applied = Counter(op[1] for op, status, _ in outcomes if status == 200)
    assert max(applied.values()) == 1, "a reference was applied twice"

    stream = stream_fields(real_store, keys.wallet_stream(wallet_id))
    gpas_entries = [e for e in stream if e["event"] in ("debit", "credit", "rollback")]
    assert Counter(e["ref"] for e in gpas_entries) == applied
    reversed_refs = Counter(e["reverses"] for e in gpas_entries if e["event"] == "rollback")
    assert not reversed_refs or max(reversed_refs.values()) == 1

    stored = admin.balance(wallet_id)
    real_sum = sum(int(e["real"]) for e in stream)
    bonus_sum = sum(int(e["bonus"]) for e in stream)
    assert (Decimal(real_sum) / 100, Decimal(bonus_sum) / 100) == (stored["real"], stored["bonus"])
    debits = [entry for entry in gpas_entries if entry["event"] == "debit"]
    assert debits
    for entry in debits:
        assert int(entry["bonus_after"]) >= 0, entry
        assert int(entry["real"]) == 0 or int(entry["real_after"]) >= 0, entry
    assert sum(1 for _, status, _ in outcomes if status == 200) > OPERATIONS // 2


