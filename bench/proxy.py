"""The reference nginx (config/nginx/) in front of one app, with a plain listener for the load.

The shipped file is rendered as the proxy tests render it (devkit/nginx.py: site values
replaced, the shipped snippets linked, generated certificates), with its upstream block and its
``keepalive 16`` unchanged, pointed at the app's gunicorn. wrk cannot present a client
certificate, so the load goes to one more listener that exists only here: plain HTTP on
loopback, with the same client limits, error pages, GPAS routes, limit of GPAS calls at once
(``limit_conn``) and access log line as the public listener, and the same ``proxy.conf``
(HTTP/1.1 to the upstream, its connections kept). What differs from the public listener: no
TLS (so no mutual-TLS handshake nor record encryption), no allow/deny list, no ``limit_req``
(its 2,000 requests per second per address would refuse the floor's load from one address),
and a ``/ping`` route for the floor app.
nginx runs ``worker_processes auto`` (one per core) and ``worker_connections 768``, as Debian's
nginx.conf has them (each client connection and each connection to gunicorn takes one).
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from devkit.nginx import SHIPPED, Nginx
from devkit.pki import make_pki
from devkit.redis import free_port

LOAD_LISTENER = """\
server {{                                        # benchmark only: the load, plain HTTP
    listen 127.0.0.1:{port};
    include walletsvc/client-limits.conf;
    include walletsvc/errors.conf;
    access_log {access_log} walletsvc_json;
    {call_limit}

    include walletsvc/gpas-routes.conf;
    location = /ping {{ include walletsvc/proxy.conf; }}
    location = /healthz {{ include walletsvc/proxy.conf; }}
    location / {{ return 404; }}
}}
"""


_CALL_LIMIT = re.compile(r"limit_conn walletsvc_gpas_calls \d+;")


def gpas_call_limit() -> str:
    """Return the public listener's limit of GPAS calls at once, as the shipped file sets it."""
    found = _CALL_LIMIT.search((SHIPPED / "walletsvc.conf").read_text())
    if found is None:
        raise SystemExit("config/nginx/walletsvc.conf no longer limits GPAS calls at once")
    return found.group(0)


@dataclass
class BenchNginx(Nginx):
    """The shipped nginx config in front of ``upstream_port``, plus the load listener."""

    load: int = field(default_factory=free_port)

    def render(self) -> Path:
        """Render the shipped config, then add the load listener and Debian's worker settings."""
        main = super().render()
        listener = self.directory / "conf.d" / "bench.conf"
        listener.write_text(LOAD_LISTENER.format(port=self.load, access_log=self.access_log,
                                                 call_limit=gpas_call_limit()))
        text = main.read_text().replace("worker_processes 1;", "worker_processes auto;")
        text = text.replace("worker_connections 256;", "worker_connections 768;")
        main.write_text(text.replace("include conf.d/walletsvc.conf;",
                                     "include conf.d/walletsvc.conf;\n    "
                                     "include conf.d/bench.conf;"))
        return main

    def start(self, binary: str) -> BenchNginx:
        """Start nginx and wait for the load listener too."""
        super().start(binary)
        deadline = time.monotonic() + 20
        while not _accepts(self.load):
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not listen: {self.directory}/error.log")
            time.sleep(0.05)
        return self


def nginx_binary() -> str:
    """Return the nginx program, or explain how to install it."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        raise SystemExit("--proxy nginx needs nginx: `apt-get install nginx` (Debian's "
                         "package), or run `make bench`, which installs it when run as root")
    return found


def front(directory: Path, upstream_port: int) -> BenchNginx:
    """Start the reference nginx in ``directory`` in front of ``upstream_port``."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = make_pki(directory / "pki")
    return BenchNginx(directory, pki, upstream_port).start(nginx_binary())


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
