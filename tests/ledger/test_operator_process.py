"""Reports never hold a movement: a year's statement of a wallet with 300,000 entries, through
the real operator gunicorn, beside GPAS's own gunicorn and debits in flight."""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from devkit.operators import PLATFORM_TOKEN
from devkit.postgres import LocalPostgres, drop_database, fresh_database
from devkit.redis import RedisServer
from devkit.statements import seed_statement
from tests.support.service import Service
from tests.support.threads import ClientThreads

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # One process (one xdist group): `operated` (a 300,000-entry ledger and both gunicorns)
    # is built once, not on every worker, and two such statements never stream at once.
    pytest.mark.xdist_group("operator-process"),
]

ENTRIES = 300_000
WALLET = "wallet-of-a-busy-year"
YEAR = "date_from=2025-01-01&date_to=2025-12-31"
STATEMENT = f"/admin/ledger/wallets/{WALLET}/statement?{YEAR}"
TWO_DAYS = f"/admin/ledger/wallets/{WALLET}/statement?date_from=2025-01-01&date_to=2025-01-02"
# The statement's lines held at once would take hundreds of megabytes (808 MB of process for
# this one before it streamed); one batch at a time takes a few.
MOST_GROWTH_KB = 64 * 1024


@dataclass
class Operated:
    """Both gunicorns over a Redis and a ledger holding the busy wallet."""

    service: Service
    real: int  # the busy wallet's REAL at the end, in minor units


@pytest.fixture(scope="module")
def operated(newest_redis_server: RedisServer, postgres: LocalPostgres,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Operated]:
    """walletsvc's two processes, the ledger seeded with the busy wallet's year."""
    url = fresh_database(postgres)
    real = seed_statement(url, WALLET, ENTRIES, date(2025, 1, 1), 365)
    log = tmp_path_factory.mktemp("operator") / "gunicorn.log"
    service = Service(newest_redis_server.url, log, url, workers=2).start()
    try:
        yield Operated(service, real)
    finally:
        service.stop()
        drop_database(postgres, url)


def download(port: int, path: str) -> bytes:
    """GET ``path`` as the platform's operator and return the whole body, which must end
    properly."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
        response = connection.getresponse()
        assert response.status == 200, response.read()[:500]
        return response.read()  # raises IncompleteRead if the stream was cut short
    finally:
        connection.close()


def children(pid: int) -> list[int]:
    """Return the pids of a gunicorn master's workers."""
    return sorted(map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()))


def status_kb(pid: int, name: str) -> int:
    """Return a kB figure of /proc/PID/status (VmHWM: the most memory it ever held)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {name} for {pid}")


def nice_of(pid: int) -> int:
    """Return a process's nice value (field 19 of /proc/PID/stat)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def head_of(statement: bytes) -> Any:
    """Parse a statement's JSON without its lines (they are counted, not parsed)."""
    opening, _, _ = statement.partition(b',"lines":[')
    return json.loads(opening + b"}", parse_float=Decimal)


def test_a_300k_entry_statement_streams_whole_from_the_operator_process_in_bounded_memory(
        operated: Operated) -> None:
    service = operated.service
    assert service.operator is not None
    workers = children(service.operator.pid)
    assert len(workers) == 1
    download(service.operator_port, TWO_DAYS)  # what any first request loads, loaded
    before = status_kb(workers[0], "VmHWM")

    whole = download(service.operator_port, STATEMENT)
    as_csv = download(service.operator_port, f"{STATEMENT}&format=csv")

    assert whole.endswith(b"]}") and whole.count(b'{"at":') == ENTRIES
    assert head_of(whole)["opening"] == {"real": 0, "bonus": 0, "total": 0}
    assert head_of(whole)["closing"]["real"] == Decimal(operated.real) / 100
    rows = as_csv.decode().splitlines()
    assert rows[0].startswith("at,event,reference") and len(rows) == ENTRIES + 1
    assert rows[-1].split(",")[1:3] == ["debit", f"ref-{ENTRIES - 1}"]
    assert children(service.operator.pid) == workers  # not killed, not replaced
    assert status_kb(workers[0], "VmHWM") - before < MOST_GROWTH_KB


class Debits(ClientThreads):
    """GPAS clients each betting 0.01 on a session of its own until the block ends."""

    def __init__(self, service: Service, sessions: list[str]) -> None:
        super().__init__(range(len(sessions)))
        self.service, self.sessions = service, sessions
        self.answers: list[int | str] = []

    def _client(self, seed: int) -> None:
        while not self._stop.is_set():
            try:
                answer: int | str = self.service.gpas.debit(self.sessions[seed], "0.01"
                                                            ).status_code
            except OSError as exc:  # no answer at all: what a killed worker leaves
                answer = type(exc).__name__
            with self._lock:
                self.answers.append(answer)


class Statements(ClientThreads):
    """An operator asking for the busy wallet's year, one statement after another."""

    def __init__(self, port: int) -> None:
        super().__init__(range(1))
        self.port = port
        self.lines: list[int] = []

    def _client(self, seed: int) -> None:
        while not self._stop.is_set():
            counted = download(self.port, STATEMENT).count(b'{"at":')
            with self._lock:
                self.lines.append(counted)

    def wait_for(self, count: int) -> None:
        """Return once ``count`` statements have been read whole."""
        while len(self.lines) < count:
            self._stop.wait(0.2)


def test_debits_in_flight_while_statements_stream_all_get_their_answers(
        operated: Operated) -> None:
    service = operated.service
    assert service.process is not None
    gpas_workers = children(service.process.pid)
    funded = [service.funded_session("1000") for _ in range(2)]

    with Statements(service.operator_port) as statements, \
            Debits(service, [session for _, session in funded]) as load:
        statements.wait_for(1)

    assert statements.lines[0] == ENTRIES
    assert len(load.answers) > len(funded) and set(load.answers) == {200}
    spent = sum(Decimal(1000) - Decimal(str(service.admin("GET", f"/wallets/{wallet}")
                                             ["balance"]["real"])) for wallet, _ in funded)
    assert spent == Decimal("0.01") * len(load.answers)  # each answered debit applied once
    assert children(service.process.pid) == gpas_workers


def test_each_process_serves_only_its_own_routes(operated: Operated) -> None:
    service = operated.service
    wallet, session = service.funded_session("10")
    on_operator = service.operator_http.open(f"/wallets/balance?walletSessionId={session}")
    assert (on_operator.status_code, on_operator.json["type"]) == (404, "NOT_FOUND")
    on_gpas = service.gpas_http.open(f"/admin/wallets/{wallet}",
                                     headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert (on_gpas.status_code, on_gpas.json["type"]) == (404, "NOT_FOUND")
    assert service.gpas_http.open(STATEMENT).status_code == 404
    assert service.operator_http.open("/openapi.json").status_code == 200
    assert service.gpas_http.open("/openapi.json").status_code == 404
    assert service.gpas.balance(session).status_code == 200


def test_the_operator_process_runs_below_gpas_on_the_cpu(operated: Operated) -> None:
    service = operated.service
    assert service.process and service.operator
    gpas = [service.process.pid, *children(service.process.pid)]
    operator = [service.operator.pid, *children(service.operator.pid)]
    assert len(gpas) == 3 and len(operator) == 2
    started_at = os.getpriority(os.PRIO_PROCESS, 0)  # what this test was started with
    assert {nice_of(pid) for pid in gpas} == {started_at}
    assert {nice_of(pid) for pid in operator} == {max(10, started_at)}
