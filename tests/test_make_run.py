"""`make run` and scripts/run.sh leave nothing running however they are stopped."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.redis_server import free_port

pytestmark = [pytest.mark.slow, pytest.mark.realredis]

ROOT = Path(__file__).resolve().parents[1]
STARTS = {
    "scripts/run.sh": [str(ROOT / "scripts" / "run.sh")],
    # -o: take the installed venv as it is (the suite's own), do not reinstall it here.
    "make run": ["make", "-s", "-C", str(ROOT), "-o", ".venv/.run-installed", "run"],
}


def descendants(pid: int) -> list[int]:
    """Return every process below ``pid``."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = [int(child) for child in children]
    return found + [grandchild for child in found for grandchild in descendants(child)]


def alive(pid: int) -> bool:
    """Say whether ``pid`` is a live (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def bindable(port: int) -> bool:
    """Say whether nothing listens on ``port`` on loopback (closed connections in TIME_WAIT
    do not count: a server restarted there binds with SO_REUSEADDR, as gunicorn does)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


def healthy(port: int) -> bool:
    """Say whether gunicorn answers /healthz on ``port``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


Started = tuple[subprocess.Popen[bytes], list[int]]


@pytest.fixture
def started(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Started]:
    """What `make run` starts, on free ports; gives the process and the ports it serves."""
    web, operator, redis_port, postgres_port = free_port(), free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("WALLETSVC_REDIS_URL", "WALLETSVC_LEDGER_URL", "WALLETSVC_CONFIG_FILE",
                        "MAKEFLAGS")}
    env |= {"WALLETSVC_VAR_DIR": str(tmp_path / "var"), "WALLETSVC_REDIS_PORT": str(redis_port),
            "WALLETSVC_POSTGRES_PORT": str(postgres_port),
            "WALLETSVC_BIND": f"127.0.0.1:{web}", "WALLETSVC_WORKERS": "2",
            "WALLETSVC_OPERATOR_BIND": f"127.0.0.1:{operator}",
            "WALLETSVC_OPERATOR_WORKERS": "1",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus")}
    with (tmp_path / "run.log").open("wb") as log:
        process = subprocess.Popen(STARTS[request.param], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while not (healthy(web) and healthy(operator)):
        if time.monotonic() > deadline or process.poll() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise RuntimeError((tmp_path / "run.log").read_text())
        time.sleep(0.2)
    yield process, [web, operator, redis_port, postgres_port]
    with contextlib.suppress(ProcessLookupError):  # what a failed test left in the group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    data = tmp_path / "var" / "postgres"
    if data.is_symlink():  # as root the data lives where the server's user can reach it
        shutil.rmtree(data.resolve(), ignore_errors=True)


def assert_nothing_left(process: subprocess.Popen[bytes], below: list[int], ports: list[int]
                        ) -> None:
    process.wait(timeout=60)
    # redis-server, PostgreSQL, the exporter, GPAS's gunicorn and its two workers, the
    # operator's gunicorn and its worker at least
    assert len(below) >= 8
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in below if alive(pid)] == []
    assert all(bindable(port) for port in ports)


@pytest.mark.parametrize("started", ["scripts/run.sh", "make run"], indirect=True)
def test_sigterm_stops_both_gunicorns_their_workers_the_exporter_redis_and_postgres(
        started: Started, tmp_path: Path) -> None:
    process, ports = started
    printed = (tmp_path / "run.log").read_text()
    assert f"GPAS routes on http://127.0.0.1:{ports[0]}" in printed
    assert f"docs (/docs) on http://127.0.0.1:{ports[1]}" in printed
    below = descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    assert_nothing_left(process, below, ports)


@pytest.mark.parametrize("started", ["scripts/run.sh"], indirect=True)
def test_ctrl_c_stops_everything(started: Started) -> None:
    process, ports = started
    below = descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole foreground group
    assert_nothing_left(process, below, ports)


@pytest.mark.parametrize("started", ["scripts/run.sh"], indirect=True)
def test_the_operator_gunicorn_exiting_stops_everything(started: Started) -> None:
    process, ports = started
    below = descendants(process.pid)
    operator = [pid for pid in below if Path(f"/proc/{pid}/stat").read_text().split()[3]
                == str(process.pid) and b"gunicorn-operator" in Path(f"/proc/{pid}/cmdline")
                .read_bytes()]
    assert len(operator) == 1
    os.kill(operator[0], signal.SIGTERM)
    assert_nothing_left(process, below, ports)
