"""The support console's pages over a ledger of a million movements, ten operators browsing.

    .venv/bin/python -m bench.console [--movements 1000000] [--operators 10] [--rounds 20]

Starts the stack as ``make bench`` does (bench/stack.py: redis-server, GPAS's gunicorn, the
operator's gunicorn with its shipped config, a local PostgreSQL with the demo operators). Then:

1. writes ``movements`` bets and wins of 10,000 wallets over the 90 days before today straight
   into the ledger (one SQL statement: the subject is the pages over that ledger, not how the
   entries got there), with the wallets' rows, their players, sessions, games and providers,
   and the reconciliation summary the exporter would have kept;
2. makes ``busy`` wallets live in Redis through the service itself (the admin API and signed
   GPAS calls: sessions with bets, wins and a rollback), since the wallet's page, its movements
   and a session's story read Redis;
3. creates ``operators`` people, each with every reading role and a token of their own.

Each operator then visits every page once per round, in an order of their own, ``rounds``
times, in two phases: **browsing**, a pause between pages (exponential, ``--think`` seconds on
average, as a person reads a page before the next click), and **back to back**, no pause (the
ten at once keep every worker of the operator's process busy: a ceiling, not a day's use). The
baseline, asked in the same loops: ``/admin/me``, the cheapest guarded route (a token checked,
an entry appended to the audit log, a small JSON answer).

Writes console.json and console.txt (bench/paths.py says where): per page and phase, requests,
p50, p95, p99 and the slowest, and whether every page's p95 is within 300 ms while browsing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import gpas, paths
from bench.stack import Serving, Stack
from walletsvc.access.directory import Directory
from walletsvc.access.roles import Role
from walletsvc.ledger.database import Partitions, connect, months_between
from walletsvc.ledger.records import day_start
from walletsvc.ledger.summary import rebuild_reconciliation_daily

TARGET_MS = 300
LEDGER_WALLETS = 10_000
LEDGER_DAYS = 90
PROVIDERS = ("AGT", "PGS", "EVO", "PRA")
GAMES = 40
READING_ROLES = frozenset({Role.SUPPORT, Role.FINANCE, Role.COMPLIANCE, Role.AUDITOR,
                           Role.ADMIN})
BASELINE = "baseline /admin/me"

# Each ledger wallet's k-th entry (k from 0) is a win of 2.00 when k is even, a bet of 1.00
# when odd, from an empty wallet: REAL after it is 1.00 per pair done, plus a win not yet bet.
_FILL = """
INSERT INTO ledger_entries (at, shard, entry_ms, entry_seq, event, wallet_id, parent_system,
    session_id, movement_id, reference, type_code, currency, amount, real_delta, bonus_delta,
    real_after, bonus_after, game_id, provider_code, description, player_id, fields)
SELECT %(start)s::timestamptz + (n * %(step_ms)s) * interval '1 millisecond', '00', n, 0,
    kind, 'lw-' || w, %(parent)s, 'ls-' || w || '-' || (k / 20), 'm-' || n, 'r-' || n,
    CASE kind WHEN 'debit' THEN 'GAME_DEBIT' ELSE 'GAME_CREDIT' END, 'BRL',
    CASE kind WHEN 'debit' THEN 100 ELSE 200 END,
    CASE kind WHEN 'debit' THEN -100 ELSE 200 END, 0,
    (k / 2) * 100 + CASE kind WHEN 'credit' THEN 200 ELSE 100 END, 0,
    'g-' || (w %% %(games)s), (%(providers)s::text[])[1 + w %% %(provider_count)s],
    kind || ' round ' || k, 'lp-' || w, '{}'
FROM generate_series(0::bigint, %(count)s - 1) AS n,
    LATERAL (SELECT n %% %(wallets)s AS w, n / %(wallets)s AS k) AS position,
    LATERAL (SELECT CASE k %% 2 WHEN 0 THEN 'credit' ELSE 'debit' END AS kind) AS chosen
"""
_WALLETS = """
INSERT INTO ledger_wallets (wallet_id, shard, player_id, currency, created_at, real, bonus,
    entries)
SELECT 'lw-' || w, '00', 'lp-' || w, 'BRL', %(start)s, %(real)s, 0, %(entries)s
FROM generate_series(0, %(wallets)s - 1) AS w
"""


@dataclass(frozen=True)
class Ledger:
    """What the ledger was given: a wallet, its player, a reference, its busiest day."""

    start: date
    movements: int
    wallet: str
    player: str
    reference: str
    day: date


def fill_ledger(url: str, movements: int) -> Ledger:
    """Write the movements and the wallets' rows; return what the pages will ask for."""
    first = date.today() - timedelta(days=LEDGER_DAYS)
    per_wallet = movements // LEDGER_WALLETS
    real = (per_wallet // 2) * 100 + (200 if per_wallet % 2 else 0)
    with connect(url) as conn:
        Partitions(conn).ensure(set(months_between(first, date.today())))
        conn.execute(_FILL, {"start": day_start(first), "parent": gpas.PARENT_ID,
                             "step_ms": LEDGER_DAYS * 86_400_000 // movements,
                             "count": per_wallet * LEDGER_WALLETS, "wallets": LEDGER_WALLETS,
                             "games": GAMES, "providers": list(PROVIDERS),
                             "provider_count": len(PROVIDERS)})
        conn.execute(_WALLETS, {"start": day_start(first), "real": real,
                                "entries": per_wallet, "wallets": LEDGER_WALLETS})
        conn.commit()
        # What the exporter would have kept had the movements come through it.
        rebuild_reconciliation_daily(conn, first, date.today())
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE ledger_entries")  # what autovacuum does to a settled table
        conn.execute("VACUUM ANALYZE ledger_wallets")
        conn.execute("VACUUM ANALYZE ledger_reconciliation_daily")
    middle = movements // 2
    return Ledger(first, per_wallet * LEDGER_WALLETS, "lw-4321", "lp-4321", f"r-{middle}",
                  date.today() - timedelta(days=LEDGER_DAYS // 2))


@dataclass(frozen=True)
class Live:
    """A wallet the service made, one of its sessions and one of its references."""

    wallet: str
    session: str
    reference: str


def _send(port: int, request: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def _gpas(port: int, request: bytes) -> dict[str, Any]:
    status, body = _send(port, request)
    if status != 200:
        raise RuntimeError(f"GPAS answered {status}: {body[:300]!r}")
    answer: dict[str, Any] = json.loads(body) if body else {}
    return answer


def live_wallets(stack: Stack, count: int, sessions: int, moves: int) -> list[Live]:
    """Make ``count`` funded wallets, each with ``sessions`` sessions of ``moves`` bets and
    wins (and a rollback), through the admin API and signed GPAS calls."""
    made: list[Live] = []
    gpas_port, operator_port = stack.service.load_port, stack.operator.load_port
    for n in range(count):
        wallet_id = f"busy-{n:03d}"
        gpas.admin(operator_port, "POST", "/wallets",
                   {"walletId": wallet_id, "playerId": f"busy-player-{n}", "currency": "BRL"})
        gpas.admin(operator_port, "POST", f"/wallets/{wallet_id}/deposits",
                   {"amount": "1000.00", "subWallet": "REAL", "reference": "funding"})
        for s in range(sessions):
            token = gpas.admin(operator_port, "POST", "/launch-tokens",
                               {"walletId": wallet_id})["authToken"]
            session_id = str(_gpas(gpas_port, gpas.open_session(wallet_id, token))["id"])
            for m in range(moves):
                kind = "debit" if m % 2 == 0 else "credit"
                _gpas(gpas_port, gpas.movement(kind, session_id, f"{wallet_id}-{s}-{m}",
                                               "1.50" if kind == "debit" else "0.75",
                                               f"round-{s}-{m // 2}"))
            _gpas(gpas_port, gpas.rollback(session_id, f"{wallet_id}-{s}-rb",
                                           f"{wallet_id}-{s}-0"))
            _gpas(gpas_port, gpas.close(session_id))
        made.append(Live(wallet_id, session_id, f"{wallet_id}-{sessions - 1}-1"))
    return made


def browsing_operators(url: str, count: int) -> list[str]:
    """Create ``count`` people with every reading role; return their tokens."""
    tokens = []
    with connect(url) as conn:
        directory = Directory(conn)
        for n in range(count):
            person = directory.create(f"browser-{n:02d}", "person", READING_ROLES,
                                      email=f"browser-{n:02d}@example.test", created_by="bench")
            tokens.append(directory.issue_token(person, "bench", timedelta(days=1))[0])
        conn.commit()
    return tokens


Page = Callable[[random.Random], str]


def pages(ledger: Ledger, live: list[Live]) -> dict[str, Page]:
    """Return each page's name and how to build its path (a wallet of its own each time)."""
    yesterday = date.today() - timedelta(days=1)
    month_start = ledger.day.replace(day=1)

    def a_live(rng: random.Random) -> Live:
        return rng.choice(live)

    def a_ledger_wallet(rng: random.Random) -> int:
        return rng.randrange(LEDGER_WALLETS)

    def a_moment(rng: random.Random) -> str:
        moment = datetime.combine(ledger.day, datetime.min.time(), UTC)
        return (moment + timedelta(seconds=rng.randrange(86_400))).strftime("%Y-%m-%dT%H:%M")

    return {
        BASELINE: lambda rng: "/admin/me",
        "home": lambda rng: "/console/",
        "search: a player (ledger)": lambda rng: f"/console/search?q=lp-{a_ledger_wallet(rng)}",
        "search: a reference (ledger)":
            lambda rng: f"/console/search?q=r-{rng.randrange(ledger.movements)}",
        "wallet": lambda rng: f"/console/wallets/{a_live(rng).wallet}",
        "movements, next page":
            lambda rng: f"/console/wallets/{a_live(rng).wallet}/movements",
        "session's story": lambda rng: f"/console/sessions/{a_live(rng).session}",
        "statement, a month (ledger)":
            lambda rng: (f"/console/wallets/lw-{a_ledger_wallet(rng)}/statement"
                         f"?from={month_start}&to={month_start + timedelta(days=30)}"),
        "balance at a moment (ledger)":
            lambda rng: (f"/console/wallets/lw-{a_ledger_wallet(rng)}/balance-at"
                         f"?at={a_moment(rng)}"),
        "money requests": lambda rng: "/console/money-requests",
        "reconciliation, a day": lambda rng: f"/console/reconciliation?date_from={ledger.day}",
        "reconciliation, 31 days":
            lambda rng: (f"/console/reconciliation?date_from={ledger.day - timedelta(days=30)}"
                         f"&date_to={ledger.day}"),
        "reconciliation, yesterday":
            lambda rng: f"/console/reconciliation?date_from={yesterday}",
        "reconciliation's movements":
            lambda rng: (f"/console/reconciliation/movements?day={ledger.day}"
                         f"&provider={rng.choice(PROVIDERS)}&game=g-{rng.randrange(GAMES)}"
                         "&currency=BRL"),
        "ledger health": lambda rng: "/console/ledger",
        "audit log": lambda rng: "/console/audit",
        "audit log, one operator": lambda rng: "/console/audit?actor=browser-03",
        "operators": lambda rng: "/console/operators",
        "my tokens": lambda rng: "/console/me/tokens",
    }


@dataclass
class Browser:
    """One operator going through the pages, timing each answer."""

    port: int
    token: str
    pages: dict[str, Page]
    rng: random.Random
    timings: dict[str, list[float]]
    failures: list[str]

    def browse(self, rounds: int, think_s: float) -> None:
        """Visit every page once per round, in an order of this operator's."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        names = list(self.pages)
        for _ in range(rounds):
            self.rng.shuffle(names)
            for name in names:
                path = self.pages[name](self.rng)
                started = time.perf_counter()
                try:
                    response = self._get(connection, path)
                except (http.client.RemoteDisconnected, ConnectionError):
                    # The server closed the connection while the person read a page (its
                    # keep-alive is 5 s): as a browser does, connect again, on the clock.
                    connection.close()
                    response = self._get(connection, path)
                self.timings.setdefault(name, []).append(time.perf_counter() - started)
                if response.status not in (200, 302, 303):
                    self.failures.append(f"{response.status} {path}")
                if think_s:
                    time.sleep(self.rng.expovariate(1 / think_s))
        connection.close()

    def _get(self, connection: http.client.HTTPConnection, path: str
             ) -> http.client.HTTPResponse:
        connection.request("GET", path, headers={"Authorization": f"Bearer {self.token}",
                                                 "Accept-Language": "pt-BR"})
        response = connection.getresponse()
        response.read()
        return response


def phase(port: int, tokens: list[str], found: dict[str, Page], rounds: int, think_s: float,
          seed: int) -> dict[str, Any]:
    """Let every operator browse at once; return each page's percentiles in milliseconds."""
    browsers = [Browser(port, token, found, random.Random(seed + n), {}, [])
                for n, token in enumerate(tokens)]
    threads = [threading.Thread(target=b.browse, args=(rounds, think_s)) for b in browsers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    failures = [failure for b in browsers for failure in b.failures]
    table = {name: _percentiles([t for b in browsers for t in b.timings.get(name, [])])
             for name in found}
    requests = sum(row["requests"] for row in table.values())
    return {"think_s": think_s, "seconds": round(seconds, 1),
            "requests_per_second": round(requests / seconds, 1), "failures": failures[:20],
            "failed": len(failures), "pages": table}


def _percentiles(seconds: list[float]) -> dict[str, Any]:
    cuts = statistics.quantiles([s * 1000 for s in seconds], n=100, method="inclusive")
    return {"requests": len(seconds), "p50_ms": round(cuts[49], 1),
            "p95_ms": round(cuts[94], 1), "p99_ms": round(cuts[98], 1),
            "max_ms": round(max(seconds) * 1000, 1)}


def check_pages(port: int, token: str, found: dict[str, Page]) -> None:
    """Ask each page once before timing: every one must answer, or the figures mean nothing."""
    rng = random.Random(0)
    for name, path_of in found.items():
        path = path_of(rng)
        status, answer = _get(port, path, token)
        if status not in (200, 302, 303):
            raise RuntimeError(f"{name}: {path} answered {status}: {answer[:300]!r}")


def _get(port: int, path: str, token: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def text(results: dict[str, Any]) -> str:
    """Return the results as a table per phase."""
    lines = [f"ledger: {results['movements']:,} movements; {results['operators']} operators; "
             f"operator process: {results['operator_process']}"]
    for name, found in results["phases"].items():
        lines += ["", f"{name} (pause {found['think_s']} s on average; {found['seconds']} s, "
                      f"{found['requests_per_second']} requests/s, {found['failed']} failed)",
                  f"{'page':<32} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
                  f"{'max ms':>8}"]
        lines += [f"{page:<32} {row['requests']:>8} {row['p50_ms']:>8} {row['p95_ms']:>8} "
                  f"{row['p99_ms']:>8} {row['max_ms']:>8}" for page, row in found["pages"].items()]
    lines += ["", f"every page's p95 within {TARGET_MS} ms while browsing: "
                  f"{results['browsing_within_target']}"]
    return "\n".join(lines) + "\n"


def arguments() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--operators", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--think", type=float, default=1.0,
                        help="average pause between pages while browsing, in seconds")
    parser.add_argument("--busy", type=int, default=20, help="wallets made live in Redis")
    return parser.parse_args()


def main() -> None:
    """Run the benchmark and write console.json and console.txt."""
    args = arguments()
    workdir = Path(tempfile.mkdtemp(prefix="walletsvc-bench-console-"))
    workdir.chmod(0o755)
    stack = Stack(workdir, "everysec", Serving(), companions=False).start()
    try:
        assert stack.postgres is not None
        url = stack.postgres.url()
        started = time.perf_counter()
        ledger = fill_ledger(url, args.movements)
        filled_s = time.perf_counter() - started
        live = live_wallets(stack, args.busy, 5, 20)
        tokens = browsing_operators(url, args.operators)
        found = pages(ledger, live)
        port = stack.operator.load_port
        check_pages(port, tokens[0], found)
        phases = {"browsing": phase(port, tokens, found, args.rounds, args.think, 1),
                  "back to back": phase(port, tokens, found, max(args.rounds // 2, 1), 0.0, 2)}
    finally:
        stack.stop()
    browsing = phases["browsing"]
    results = {"movements": args.movements, "operators": args.operators,
               "ledger_fill_seconds": round(filled_s, 1),
               "operator_process": "config/gunicorn-operator.conf.py as shipped (gthread)",
               "phases": phases,
               "browsing_within_target": browsing["failed"] == 0 and all(
                   row["p95_ms"] <= TARGET_MS for row in browsing["pages"].values())}
    paths.result("console.json").write_text(json.dumps(results, indent=2) + "\n")
    paths.result("console.txt").write_text(text(results))
    print(text(results))


if __name__ == "__main__":
    main()
