"""Python CPU per request in one process, without HTTP: what a debit costs beyond the floor.

``python -m bench.cpu [--requests 2000 --rounds 5] [--profile]`` starts a redis-server (no
persistence, so that only the app's own work is timed) and a PostgreSQL with the demo operators
(the operator's app sets the wallet up as the platform's), builds walletsvc and the floor app, and
calls each WSGI app directly with prepared environs: the floor's ``GET /ping`` and signed
debits on one session (each with its own reference), alternating, round after round. It prints
the process CPU time per request of each (its least disturbed round) and their ratio;
``--profile`` adds the top functions of the debit by cProfile. Gunicorn's share (accept,
HTTP parsing, writing) is the same for both and is left out; the full benchmark (``bench.run``)
measures everything together.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

from bench import gpas
from devkit.operators import PLATFORM_TOKEN
from devkit.postgres import demo_database
from devkit.redis import RedisServer
from devkit.store import initialise
from walletsvc.store import connect

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(method: str, path: str, query: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Return a WSGI environ as gunicorn would build it."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def signed(method: str, path: str, query: str, body: bytes = b"") -> dict[str, Any]:
    """Return the environ of a GPAS call signed as GPAS signs it."""
    return environ(method, path, query, body, gpas.signature_headers(body, query))


def call(app: WSGIApp, env: dict[str, Any]) -> tuple[str, bytes]:
    """Call ``app`` once; return the status line and body."""
    status: list[str] = []
    chunks = app(env, lambda line, headers, exc_info=None: status.append(line))
    body = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return status[0], body


def cpu_per_request(app: WSGIApp, envs: list[dict[str, Any]]) -> float:
    """Return the process CPU seconds per request over ``envs``, refusing any non-200 answer."""
    started = time.process_time()
    for env in envs:
        status, body = call(app, env)
        if not status.startswith("200"):
            raise RuntimeError(f"{env['PATH_INFO']}: {status} {body[:200]!r}")
    return (time.process_time() - started) / len(envs)


def debit_environs(session_id: str, count: int, tag: str) -> list[dict[str, Any]]:
    """Return ``count`` signed debits of 0.10 on ``session_id``, each with its own reference."""
    query = f"walletSessionId={session_id}"
    return [signed("POST", "/movements/debit", query,
                   gpas.movement_body("debit", f"cpu-{tag}-{n}", "0.10", str(n)))
            for n in range(count)]


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the debits too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = started_store(Path(workdir))
        try:
            with demo_database() as ledger_url:
                os.environ.update(settings(server.url, ledger_url))
                # the request log goes to a file, as under gunicorn
                with (Path(workdir) / "walletsvc.log").open("w") as log, redirect_stderr(log):
                    measure(options.requests, options.rounds, options.profile)
        finally:
            server.stop()


def started_store(directory: Path) -> RedisServer:
    """Start a redis-server without persistence in ``directory``, marked ready as `walletsvc
    store init` marks a new store."""
    server = RedisServer(directory, "--appendonly", "no").start()
    client = connect(server.url, 5.0)
    initialise(client)
    client.close()
    return server


def settings(redis_url: str, ledger_url: str) -> dict[str, str]:
    """Return the service's settings for a run over ``redis_url``, its operators at
    ``ledger_url``."""
    return {"WALLETSVC_REDIS_URL": redis_url,
            "WALLETSVC_PARENT_SYSTEMS": json.dumps({gpas.PARENT_ID: gpas.SECRET}),
            "WALLETSVC_LEDGER_URL": ledger_url,
            "WALLETSVC_RECONCILIATION_API_KEY": "bench-reconciliation-key"}


def funded_session(operator: WSGIApp, service: WSGIApp, wallet_id: str) -> str:
    """Create and fund a wallet through the operator's admin API and open a session on the
    GPAS app; return its id."""
    admin = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}
    wallet = {"walletId": wallet_id, "playerId": "p", "currency": "BRL"}
    funds = {"amount": "1000000.00", "reference": "cpu-funds", "subWallet": "REAL"}
    for path, body in (("/admin/wallets", wallet), (f"/admin/wallets/{wallet_id}/deposits",
                                                   funds)):
        raw = json.dumps(body).encode()
        status, answer = call(operator, environ("POST", path, "", raw, admin))
        assert status.startswith(("200", "201")), answer
    status, answer = call(operator, environ("POST", "/admin/launch-tokens", "",
                                           json.dumps({"walletId": wallet_id}).encode(), admin))
    token = json.loads(answer)["authToken"]
    env = signed("POST", "/sessions", f"walletId={wallet_id}")
    env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return str(json.loads(call(service, env)[1])["id"])


def measure(requests: int, rounds: int, profile: bool) -> None:
    """Set up a funded wallet and a session, then time the floor and the debits."""
    # Imported here: both read the settings main() put in the environment.
    from bench.floor import app as floor
    from wsgi import app as service
    from wsgi import operator_app as operator

    session_id = funded_session(operator, service, "cpu-1")

    cpu_per_request(floor, [environment_of_ping() for _ in range(500)])  # warm up both
    cpu_per_request(service, debit_environs(session_id, 500, "warm"))
    floor_cpu, debit_cpu = [], []
    for n in range(rounds):  # alternate, and keep each one's least disturbed round
        floor_cpu.append(cpu_per_request(floor, [environment_of_ping() for _ in range(requests)]))
        debit_cpu.append(cpu_per_request(service, debit_environs(session_id, requests, str(n))))
    print(f"floor  {min(floor_cpu) * 1e6:7.1f} us CPU per request (GET /ping; best of {rounds} "
          f"rounds of {requests})")
    print(f"debit  {min(debit_cpu) * 1e6:7.1f} us CPU per request (debits on one session; best "
          f"of {rounds} rounds of {requests})")
    print(f"floor / debit: {min(floor_cpu) / min(debit_cpu):.2f}")
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(cpu_per_request, service, debit_environs(session_id, requests, "profile"))
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def environment_of_ping() -> dict[str, Any]:
    """Return the floor's request."""
    return environ("GET", "/ping", "")


if __name__ == "__main__":
    main()
