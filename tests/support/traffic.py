"""Generated GPAS traffic and the report it should produce, shared by several tests."""

from __future__ import annotations

import random
from typing import Any

from flask.testing import FlaskClient

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import decimal_json
from devkit.settings import FakeClock

KEY = {"Authorization": "Bearer reconciliation-key"}
GAMES = ["agt-13", "agt-7", "pgs-fortune", "evo-roulette"]


def report(client: FlaskClient, query: str) -> Any:
    response = client.get(f"/reconciliation?{query}", headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = decimal_json(response)
    assert body["status"] == "success"
    return body["data"]


def play(gpas: GpasClient, admin: AdminClient, clock: FakeClock, rng: random.Random,
         days: int) -> None:
    """Play sessions in two currencies over ``days`` days, with rollbacks on later days."""
    wallets = [open_session(gpas, admin, real="100000", currency=currency)
               for currency in ("BRL", "CLP", "BRL")]
    done: list[tuple[str, str]] = []
    for _ in range(days * 40):
        clock.advance(rng.randint(60, 86_400 // 40 * 2))
        _, session_id = rng.choice(wallets)
        roll, game = rng.random(), rng.choice(GAMES)
        if roll < 0.5:
            ref = f"d-{rng.getrandbits(64)}"
            gpas.debit(session_id, str(rng.randint(1, 500)), ref, tags={"gameid": game})
        elif roll < 0.85:
            ref = f"c-{rng.getrandbits(64)}"
            gpas.credit(session_id, str(rng.randint(0, 500)), ref, tags={"gameid": game})
        else:
            if done:
                session_id, ref = rng.choice(done)
                gpas.rollback(session_id, ref)
            continue
        done.append((session_id, ref))
