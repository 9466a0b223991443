"""Fixtures: the shipped nginx config in a real nginx, in front of walletsvc under gunicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from devkit.nginx import GPAS, HOST, Nginx
from devkit.pki import Pki, make_pki
from devkit.redis import RedisServer
from tests.proxy.stack import Stack
from tests.support.service import Service
from tests.tools import require_program


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    """The nginx program (Debian's package): required under CI."""
    return require_program("nginx", "nginx")


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Certificates for the run."""
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def make_nginx(nginx_binary: str, pki: Pki, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[Callable[..., Nginx]]:
    """Start nginx with the shipped config in front of given GPAS and operator ports."""
    started: list[Nginx] = []

    def start(upstream_port: int, operator_port: int | None = None, **changes: str) -> Nginx:
        nginx = Nginx(tmp_path_factory.mktemp("nginx"), pki, upstream_port, changes,
                      operator_port)
        started.append(nginx)
        return nginx.start(nginx_binary)

    yield start
    for nginx in started:
        nginx.stop()


@pytest.fixture(scope="module")
def stack(make_nginx: Callable[..., Nginx], newest_redis_server: RedisServer, pki: Pki,
          tmp_path_factory: pytest.TempPathFactory, operators_url: str) -> Iterator[Stack]:
    """walletsvc under gunicorn with the guide's proxy settings, behind the shipped nginx."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    service = Service(newest_redis_server.url, log, operators_url,
                      WALLETSVC_TRUSTED_PROXY_COUNT="1",
                      WALLETSVC_GPAS_ALLOWED_IPS=f"{HOST},{GPAS}").start()
    try:
        yield Stack(make_nginx(service.port, service.operator_port), service, pki)
    finally:
        service.stop()
