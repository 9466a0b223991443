"""What `make run` and `make run-ha` left behind: the processes below one, and the ports."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def run_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Return this environment for `make run` or `make run-ha` under ``tmp_path``: files in
    ``tmp_path/var``, no store or ledger of the suite's, and ``settings`` added."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("WALLETSVC_REDIS_URL", "WALLETSVC_LEDGER_URL", "WALLETSVC_CONFIG_FILE",
                        "MAKEFLAGS")}
    return env | {"WALLETSVC_VAR_DIR": str(tmp_path / "var"), "WALLETSVC_WORKERS": "2",
                  "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), **settings}


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


def wait_healthy(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until gunicorn answers on ``port``; kill the group and raise with the log if not."""
    deadline = time.monotonic() + 120
    while not healthy(port):
        if time.monotonic() > deadline or process.poll() is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            raise RuntimeError(log.read_text())
        time.sleep(0.2)


def kill_group(process: subprocess.Popen[bytes], postgres_data: Path) -> None:
    """Kill what a failed test left in the process group; remove PostgreSQL's data."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if postgres_data.is_symlink():  # as root the data lives where the server's user can reach it
        shutil.rmtree(postgres_data.resolve(), ignore_errors=True)


def assert_nothing_left(process: subprocess.Popen[bytes], below: list[int], ports: list[int],
                        at_least: int) -> None:
    """Assert the process exited, none of the ``below`` (at least that many) lives on, and
    nothing listens on the ports."""
    process.wait(timeout=60)
    assert len(below) >= at_least
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in below) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in below if alive(pid)] == []
    assert [port for port in ports if not bindable(port)] == []
