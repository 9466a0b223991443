"""`make run-ha`: after the failover demo of docs/redis.md (the primary killed) it stops
everything it started however it is stopped, the secret it prints signs requests, the platform's
token it prints opens the admin API, and its exporter fills the ledger."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import redis

from devkit.gpas import GpasClient
from devkit.operators import PLATFORM
from devkit.redis import free_port
from tests.support.processes import (
    assert_nothing_left,
    descendants,
    kill_group,
    run_env,
    wait_healthy,
)
from tests.support.service import Answer, HttpClient
from walletsvc.ledger.database import connect

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # Load for seconds around a kill, with Redis timeouts of seconds: one such scenario at a
    # time (one xdist group), so that two never starve each other of the two cores.
    pytest.mark.xdist_group("failover"),
]

ROOT = Path(__file__).resolve().parents[1]
# -o: take the installed venv as it is (the suite's own), do not reinstall it here.
MAKE_RUN_HA = ["make", "-s", "-C", str(ROOT), "-o", ".venv/.run-installed", "run-ha"]
# Two supervisors with their redis-servers, three Sentinels, PostgreSQL, the exporter,
# GPAS's gunicorn and its two workers, the operator's gunicorn and its worker, the script itself
AT_LEAST = 14


@dataclass
class Demo:
    """`make run-ha` running under ``var``: the process, its ports and what it printed."""

    process: subprocess.Popen[bytes]
    var: Path
    log: Path
    ports: dict[str, int]

    def printed(self, label: str) -> str:
        """Return the value printed after ``label`` (up to the line's end)."""
        found = re.search(rf"^ *{re.escape(label)}:? +(.*)$", self.log.read_text(), re.M)
        assert found, self.log.read_text()
        return found.group(1)

    def gpas(self) -> GpasClient[Answer]:
        """Return a GPAS client signing with the printed id and secret, pasted as printed."""
        return GpasClient(HttpClient(self.ports["web"]),
                          self.printed("parent system id (x-parent-system-id)"),
                          self.printed("parent system secret (signs requests)"))

    def kill_primary(self) -> None:
        """Do as the demo in docs/redis.md does: kill -9 $(cat var/ha/a.pid)."""
        os.kill(int((self.var / "ha" / "a.pid").read_text()), signal.SIGKILL)

    def ledger_references(self) -> set[str]:
        """Return the references the ledger holds."""
        password = (self.var / "ha" / "postgres.pw").read_text().strip()
        url = f"postgresql://postgres:{password}@127.0.0.1:{self.ports['postgres']}/walletsvc"
        with connect(url) as conn:
            rows = conn.execute("SELECT reference FROM ledger_entries"
                                " WHERE reference IS NOT NULL").fetchall()
        return {str(row[0]) for row in rows}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """`make run-ha` on free ports, ready: both gunicorns answer."""
    ports = {name: free_port()
             for name in ("web", "operator", "a", "b", "s1", "s2", "s3", "postgres")}
    env = run_env(tmp_path, WALLETSVC_BIND=f"127.0.0.1:{ports['web']}",
                  WALLETSVC_OPERATOR_BIND=f"127.0.0.1:{ports['operator']}",
                  WALLETSVC_OPERATOR_WORKERS="1",
                  WALLETSVC_HA_PORT_A=str(ports["a"]), WALLETSVC_HA_PORT_B=str(ports["b"]),
                  WALLETSVC_HA_SENTINEL_PORTS=f"{ports['s1']} {ports['s2']} {ports['s3']}",
                  WALLETSVC_POSTGRES_PORT=str(ports["postgres"]))
    log = tmp_path / "run-ha.log"
    with log.open("wb") as out:
        process = subprocess.Popen(MAKE_RUN_HA, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    wait_healthy(process, ports["web"], log)
    wait_healthy(process, ports["operator"], log)
    yield Demo(process, tmp_path / "var", log, ports)
    kill_group(process, tmp_path / "var" / "ha" / "postgres")


def eventually(check: Callable[[], bool], what: str, seconds: float = 90) -> None:
    """Wait until ``check`` holds; fail saying ``what`` did not happen."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.2)


def failed_over(demo: Demo) -> None:
    """Kill the primary; wait for the replica's promotion and the killed node's restart."""
    killed = (demo.var / "ha" / "a.pid").read_text()
    demo.kill_primary()
    sentinel = redis.Redis(port=demo.ports["s1"], decode_responses=True)
    eventually(lambda: primary_port(sentinel) == demo.ports["b"], "the replica's promotion")
    eventually(lambda: (demo.var / "ha" / "a.pid").read_text() != killed, "the restart")
    node = redis.Redis(port=demo.ports["a"])
    eventually(lambda: answers(node), "the killed node answering again")


def primary_port(sentinel: redis.Redis) -> int:
    """Return the port of the primary the Sentinel names."""
    _, port = cast(tuple[str, int], sentinel.sentinel_get_master_addr_by_name("walletsvc"))
    return int(port)


def answers(node: redis.Redis) -> bool:
    """Say whether a redis-server answers PING."""
    try:
        return bool(node.ping())
    except redis.ConnectionError:
        return False


def debit_until_applied(gpas: GpasClient[Answer], session_id: str) -> str:
    """Send debits under fresh references until one answers 200 (writes wait for a replica
    while the killed node rejoins); return its reference."""
    reference = ""

    def applied() -> bool:
        nonlocal reference
        reference = f"after-{uuid.uuid4().hex}"
        return gpas.debit(session_id, "1.00", reference=reference).status_code == 200

    eventually(applied, "a debit applied after the failover")
    return reference


def test_after_its_failover_sigterm_stops_everything_what_it_prints_works_and_the_ledger_fills(
        demo: Demo) -> None:
    secret = demo.printed("parent system secret (signs requests)")
    assert re.fullmatch(r"[0-9a-f]{32}", secret), secret  # the string to paste, nothing around
    gpas = demo.gpas()
    opened = gpas.open_session("demo-wallet", demo.printed("launch token for demo-wallet (1 hour)"))
    assert opened.status_code == 200, opened.data
    session_id = opened.json["id"]
    assert gpas.debit(session_id, "1.00", reference="before-failover").status_code == 200

    failed_over(demo)
    after = debit_until_applied(gpas, session_id)

    eventually(lambda: {"before-failover", after} <= demo.ledger_references(),
               "the exporter writing both debits to the ledger")
    token = demo.printed(PLATFORM.name).split()[-1]
    assert token == PLATFORM.token
    wallet = HttpClient(demo.ports["operator"]).open(
        "/admin/wallets/demo-wallet", headers={"Authorization": f"Bearer {token}"})
    assert (wallet.status_code, wallet.json["walletId"]) == (200, "demo-wallet")
    below = descendants(demo.process.pid)
    demo.process.send_signal(signal.SIGTERM)
    assert_nothing_left(demo.process, below, list(demo.ports.values()), AT_LEAST)


def test_after_its_failover_ctrl_c_stops_everything(demo: Demo) -> None:
    failed_over(demo)
    below = descendants(demo.process.pid)
    os.killpg(demo.process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    assert_nothing_left(demo.process, below, list(demo.ports.values()), AT_LEAST)


def test_a_port_already_taken_stops_it_at_once_saying_which(tmp_path: Path) -> None:
    port = free_port()
    with socket.create_server(("127.0.0.1", port)):
        env = run_env(tmp_path, WALLETSVC_HA_PORT_A=str(port))
        ended = subprocess.run([str(ROOT / "scripts" / "run-ha.sh")], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=60, check=False)
    assert ended.returncode == 1
    assert f"something already listens on 127.0.0.1:{port}" in ended.stderr
