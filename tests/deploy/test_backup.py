"""The guide's backup: scripts/redis-backup.sh copies the append-only file of a Redis in use
(6.2: one file; 7: a folder with a manifest), and scripts/redis-restore-check.sh loads the
copy into a fresh Redis that holds the very same keys, values and expiries."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.redis import free_port, redis_binaries
from devkit.settings import base_config
from devkit.store import ready
from tests.tools import unavailable
from walletsvc import create_app
from walletsvc.store import connect

pytestmark = [
    pytest.mark.slow, pytest.mark.realredis,
    # They share the session's installed host (`host`: a fresh virtual env from the lock):
    # one xdist group installs it once, not once on every worker.
    pytest.mark.xdist_group("deploy-host"),
]

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def binaries(version: str) -> tuple[str, str]:
    """Return (redis-server, redis-cli) of Redis ``version`` ("6.2" or "7")."""
    binary = next(binary for binary in redis_binaries() if binary.line == version)
    if binary.problem:
        unavailable(binary.problem)
    return binary.path, str(Path(binary.path).with_name("redis-cli"))


class Server:
    """A redis-server with an append-only file, fsync always, as walletsvc is run."""

    def __init__(self, binary: str, directory: Path) -> None:
        directory.mkdir(parents=True)
        self.port = free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.client = wait_for(self.port)

    def stop(self) -> None:
        """Stop the server."""
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=30)


def wait_for(port: int) -> redis.Redis:
    """Return a client of the server on ``port`` once it has loaded its data."""
    client = redis.Redis(port=port, decode_responses=False)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            return client
        except (redis.ConnectionError, redis.BusyLoadingError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def walletsvc_traffic(url: str, ledger_url: str) -> str:
    """Give the store wallets, sessions, movements and a rollback; return one wallet id."""
    app = create_app(base_config(redis_url=url, ledger_url=ledger_url),
                     redis=ready(connect(url, socket_timeout=5.0)))
    admin, gpas = AdminClient(app.test_client()), GpasClient(app.test_client())
    wallet_id, run = "", uuid.uuid4().hex[:8]
    for n in range(5):
        wallet_id, session = open_session(gpas, admin, real="50", bonus="5")
        assert gpas.debit(session, "7.25", reference=f"bet-{run}-{n}").status_code == 200
        assert gpas.credit(session, "3", reference=f"win-{run}-{n}").status_code == 200
        undo = gpas.rollback(session, f"bet-{run}-{n}", reference=f"undo-{run}-{n}")
        assert undo.status_code == 200
        if n % 2:
            assert gpas.close(session).status_code == 200
    return wallet_id


def everything(client: redis.Redis) -> dict[bytes, tuple[bytes | None, bool]]:
    """Return each key's serialized value and whether it expires."""
    return {key: (client.dump(key), client.pttl(key) > 0) for key in client.scan_iter(count=500)}


@pytest.fixture(params=["6.2", "7"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    server_binary, _ = binaries(request.param)
    server = Server(server_binary, tmp_path / "source")
    yield server, request.param
    server.stop()


def test_a_backup_restores_into_a_fresh_redis_with_every_key(source: tuple[Server, str],
                                                             tmp_path: Path,
                                                             operators_url: str) -> None:
    server, version = source
    server_binary, cli = binaries(version)
    url = f"redis://127.0.0.1:{server.port}/0"
    wallet_id = walletsvc_traffic(url, operators_url)
    if version == "7":  # a base and increments: writes before and after a rewrite
        server.client.bgrewriteaof()
        while server.client.info("persistence")["aof_rewrite_in_progress"]:
            time.sleep(0.05)
        walletsvc_traffic(url, operators_url)
    env = {**os.environ, "REDIS_CLI": cli, "REDIS_SERVER": server_binary}
    backup = tmp_path / "backup"
    made = subprocess.run([str(SCRIPTS / "redis-backup.sh"), str(backup), "-p",
                           str(server.port)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    expected = sorted(p.name for p in backup.iterdir())
    assert expected == (["appendonlydir"] if version == "7" else ["appendonly.aof"])
    if version == "7":
        assert any(p.suffix == ".manifest" for p in (backup / "appendonlydir").iterdir())
    assert server.client.config_get("auto-aof-rewrite-percentage") == {
        "auto-aof-rewrite-percentage": "100"}  # put back after the copy

    port = free_port()
    restored = subprocess.run([str(SCRIPTS / "redis-restore-check.sh"), str(backup),
                               str(port)], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
    assert restored.returncode == 0, restored.stderr
    copy = wait_for(port)
    try:
        original = everything(server.client)
        assert len(original) > 50
        assert everything(copy) == original
        assert f"{len(original)} keys" in restored.stdout
        shown = [subprocess.run(
            [str(Path(sys.executable).parent / "walletsvc"), "show-wallet", wallet_id],
            env={**os.environ, "WALLETSVC_REDIS_URL": f"redis://127.0.0.1:{p}/0",
                 "WALLETSVC_PARENT_SYSTEMS": '{"BL13GT": "Ax34deSfgdB"}',
                 "WALLETSVC_RECONCILIATION_API_KEY": "r-key",
                 "WALLETSVC_LEDGER_URL": operators_url,
                 "WALLETSVC_OPERATOR_TOKEN": PLATFORM_TOKEN},
            capture_output=True, text=True, timeout=60, check=True).stdout
            for p in (server.port, port)]
        assert shown[0] == shown[1] and wallet_id in shown[0]
    finally:
        copy.shutdown(nosave=True)
        copy.close()
        made_dir = re.search(r" in (/\S+): ", restored.stdout)
        if made_dir:  # the script leaves its copy for the operator to look at; not ours
            shutil.rmtree(made_dir[1], ignore_errors=True)
