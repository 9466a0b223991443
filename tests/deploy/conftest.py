"""Fixtures: a host installed by scripts/install-host.sh, its service started from the unit."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.nginx import GPAS, HOST
from devkit.redis import RedisServer, free_port
from tests.deploy.host import (
    Host,
    RunningUnit,
    install,
    make_root,
    minimal_env,
    unit_environment,
    unit_service_section,
)
from tests.proxy.conftest import make_nginx, nginx_binary, pki
from tests.tools import require_program, require_root

__all__ = ["make_nginx", "nginx_binary", "pki"]  # the proxy's fixtures, used here too


@pytest.fixture(scope="session")
def host(newest_redis_server: RedisServer) -> Iterator[Host]:
    """A root tree installed as the guide installs a host, its settings filled in."""
    require_root("scripts/install-host.sh (useradd, chown)")
    require_program("useradd", "passwd")
    root = make_root()
    try:
        installed = install(root)
        installed.fill_in_settings(newest_redis_server.url, f"{HOST},{GPAS}")
        # The guide's step before the first start: mark the new store ready.
        initialised = subprocess.run([str(installed.path("/usr/local/bin/walletsvc")), "store",
                                      "init"], env=minimal_env(), capture_output=True,
                                     text=True, timeout=60, check=False)
        assert initialised.returncode == 0, initialised.stderr
        yield installed
    finally:
        shutil.rmtree(root, ignore_errors=True)


def start_unit(host: Host, name: str, log: Path, **ours: str) -> RunningUnit:
    """Run the installed unit ``name`` as it says: its user, working folder, environment,
    runtime folder and command; ``ours`` sets its address (the port given) and workers."""
    service = unit_service_section(host.path(f"/etc/systemd/system/{name}"))
    assert service["User"] == ["walletsvc"] and service["Group"] == ["walletsvc"]
    env = minimal_env(**{k: host.in_root(v) for k, v in unit_environment(service).items()})
    port = free_port()
    env |= {name: value.format(port=port) for name, value in ours.items()}
    runtime = host.path("/run/" + service["RuntimeDirectory"][0])
    runtime.mkdir(parents=True, exist_ok=True)
    os.chown(runtime, host.uid, host.gid)
    runtime.chmod(int(service["RuntimeDirectoryMode"][0], 8))
    with log.open("wb") as out:
        process = subprocess.Popen(
            shlex.split(host.in_root(service["ExecStart"][0])), env=env,
            cwd=host.path(service["WorkingDirectory"][0]), user=host.uid, group=host.gid,
            extra_groups=[], stdout=out, stderr=subprocess.STDOUT)
    running = RunningUnit(process, port, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if running.get("/readyz") == 200:
                return running
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()  # a unit that did not start leaves nothing running behind the test
            process.wait(timeout=30)
            raise RuntimeError(f"the installed {name} did not start: {log.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def unit(host: Host, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUnit]:
    """The installed GPAS service, run as walletsvc/walletsvc.service says."""
    running = start_unit(host, "walletsvc.service",
                         tmp_path_factory.mktemp("unit") / "walletsvc.log",
                         WALLETSVC_BIND="127.0.0.1:{port}", WALLETSVC_WORKERS="2")
    yield running
    running.process.terminate()
    running.process.wait(timeout=30)


@pytest.fixture(scope="module")
def operator_unit(host: Host, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[RunningUnit]:
    """The installed operator service, run as walletsvc-operator.service says."""
    running = start_unit(host, "walletsvc-operator.service",
                         tmp_path_factory.mktemp("unit") / "walletsvc-operator.log",
                         WALLETSVC_OPERATOR_BIND="127.0.0.1:{port}",
                         WALLETSVC_OPERATOR_WORKERS="1")
    yield running
    running.process.terminate()
    running.process.wait(timeout=90)
