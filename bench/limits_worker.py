"""One side of bench/limits.py: a process that sends signed debits to its own in-process app.

    PYTHONPATH=CODE[:ROOT] python -P bench/limits_worker.py REDIS_URL LEDGER_URL CODE [--limits]

Started by bench/limits.py, never by hand. ``walletsvc`` is imported from ``CODE`` (today's tree,
or the baseline's ``walletsvc/`` unpacked from git), the clients from today's ``devkit/``; so it
imports only what both have. It opens ``PLAYERS`` funded sessions through the admin API as each
code opens it (today's to the platform's demo operator, whose token the operators' database at
``LEDGER_URL`` holds; a baseline from before operators to the shared admin key it then read),
with a limit of every kind on each wallet given ``--limits``, says on stdout which wallets and
which code, then reads lines from stdin: ``N`` sends N debits of 0.10 over those sessions in
turn and answers the seconds and the CPU seconds of this process they took (one JSON line
each); end of input ends it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.settings import FakeClock, base_config
from walletsvc import create_app
from walletsvc.config import Config
from walletsvc.store import connect

PLAYERS = 50
EVERY_LIMIT = [(kind, period, value) for kind, value in
               (("DEPOSIT", "10000000"), ("WAGER", "10000000"), ("LOSS", "10000000"),
                ("PLAY_TIME", 10_000_000)) for period in ("DAY", "WEEK", "MONTH")] + [
    ("BET", None, "1000"), ("SESSION_TIME", None, 10_000_000)]


SHARED_ADMIN_KEY = "bench-admin-key"  # what a baseline from before operators reads


def admin_access(ledger_url: str) -> tuple[dict[str, Any], str]:
    """Return the settings and the bearer token that open this code's admin API."""
    if "admin_api_key" in {field.name for field in fields(Config)}:
        return {"admin_api_key": SHARED_ADMIN_KEY}, SHARED_ADMIN_KEY
    # Only here: it imports today's walletsvc.access, which a baseline process must not load.
    from devkit.operators import PLATFORM_TOKEN

    return {"ledger_url": ledger_url}, PLATFORM_TOKEN


def main() -> None:
    """Open the sessions, then answer each batch read from stdin."""
    redis_url, ledger_url, code = sys.argv[1], sys.argv[2], Path(sys.argv[3]).resolve()
    limited = "--limits" in sys.argv[4:]
    modules = {name: Path(module.__file__ or "").resolve() for name, module in sys.modules.items()
               if name.split(".")[0] == "walletsvc" and getattr(module, "__file__", None)}
    strays = sorted(name for name, path in modules.items() if not path.is_relative_to(code))
    assert not strays, f"walletsvc modules imported from outside {code}: {strays}"
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # only the answers go to stdout
    settings, token = admin_access(ledger_url)
    app = create_app(base_config(session_idle_seconds=86_400, **settings),
                     redis=connect(redis_url, 10.0), clock=FakeClock())
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client, token)
    opened = [open_session(gpas, admin, real="1000000") for _ in range(PLAYERS)]
    for wallet_id, _ in opened if limited else []:
        for kind, period, value in EVERY_LIMIT:
            answer = admin.post(f"/wallets/{wallet_id}/limits", {
                "limit": kind, "period": period, "value": value, "by": "bench"})
            assert answer.status_code == 200, answer.get_data(as_text=True)
    sessions = [session_id for _, session_id in opened]
    answers.write(json.dumps({"wallets": [wallet_id for wallet_id, _ in opened],
                              "walletsvc": str(modules["walletsvc"])}) + "\n")
    sent = 0
    for line in sys.stdin:
        count = int(line)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            answer = gpas.debit(sessions[sent % PLAYERS], "0.10")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            sent += 1
        answers.write(json.dumps({"seconds": time.perf_counter() - wall,
                                  "cpu_seconds": time.process_time() - cpu}) + "\n")


if __name__ == "__main__":
    main()
