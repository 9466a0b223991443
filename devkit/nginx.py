"""The shipped nginx configuration, run by a real nginx on loopback ports the test chooses."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.pki import Pki
from devkit.redis import free_port

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "config" / "nginx"

# Loopback addresses the tests call from (all of 127.0.0.0/8 is this host).
HOST = "127.0.0.1"            # the wallet's own host: allowed, where gpas-check runs
GPAS = "127.0.0.2"            # GPAS: allowed by nginx and by walletsvc
PROXY_ONLY = "127.0.0.3"      # let through by nginx's list but not by walletsvc's
STRANGER = "127.0.0.4"        # in no allow-list

MAIN = """\
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
{user}
events {{ worker_connections 256; }}
http {{
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {d}/temp/body;
    proxy_temp_path {d}/temp/proxy;
    fastcgi_temp_path {d}/temp/fastcgi;
    uwsgi_temp_path {d}/temp/uwsgi;
    scgi_temp_path {d}/temp/scgi;
    include conf.d/walletsvc.conf;
}}
"""


@dataclass
class Answer:
    """One HTTP answer."""

    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.raw)

    def header(self, name: str) -> list[str]:
        """Return every value of header ``name``."""
        return self.headers.get_all(name) or []


@dataclass
class Nginx:
    """nginx serving config/nginx/walletsvc.conf with the site values replaced for a test."""

    directory: Path
    pki: Pki
    upstream_port: int
    # Exact text of the shipped file -> what the test puts there, beyond ports and paths.
    changes: dict[str, str] = field(default_factory=dict)
    # The operator's gunicorn; None leaves the shipped address (nothing there answers).
    operator_port: int | None = None
    public: int = field(default_factory=free_port)
    internal: int = field(default_factory=free_port)
    health: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def site_values(self) -> dict[str, str]:
        """Return each site value of the shipped file and what this nginx uses instead."""
        return {
            "listen 443 ssl;": f"listen {HOST}:{self.public} ssl;",
            "listen 10.0.0.5:8443 ssl;": f"listen {HOST}:{self.internal} ssl;",
            "listen 10.0.0.5:8080;": f"listen {HOST}:{self.health};",
            "/etc/nginx/tls/wallet.crt": str(self.pki.server_cert),
            "/etc/nginx/tls/wallet.key": str(self.pki.server_key),
            "/etc/nginx/tls/wallet-internal.crt": str(self.pki.server_cert),
            "/etc/nginx/tls/wallet-internal.key": str(self.pki.server_key),
            "/etc/nginx/tls/gpas-client-ca.crt": str(self.pki.gpas_ca),
            "server 127.0.0.1:8000;": f"server 127.0.0.1:{self.upstream_port};",
            "server 127.0.0.1:8001;": f"server 127.0.0.1:{self.operator_port or 8001};",
            "/var/log/nginx/walletsvc-access.log": str(self.access_log),
            "allow 192.0.2.10;": f"allow {GPAS};",
            "allow 198.51.100.7;": f"allow {HOST}; allow {PROXY_ONLY};",
            **self.changes,
        }

    @property
    def access_log(self) -> Path:
        """Return the path of the JSON access log."""
        return self.directory / "access.log"

    def render(self) -> Path:
        """Write the main config, the shipped file with site values replaced, and link the
        shipped snippets; return the main config's path."""
        text = (SHIPPED / "walletsvc.conf").read_text()
        for shipped, ours in self.site_values().items():
            assert shipped in text, f"config/nginx/walletsvc.conf no longer has {shipped!r}"
            text = text.replace(shipped, ours)
        for sub in ("conf.d", "temp"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        (self.directory / "conf.d" / "walletsvc.conf").write_text(text)
        snippets = self.directory / "walletsvc"
        if not snippets.exists():
            snippets.symlink_to(SHIPPED / "walletsvc")
        # As root nginx would switch its workers to `nobody`, who cannot read this directory.
        user = "user root;" if os.geteuid() == 0 else ""
        main = self.directory / "nginx.conf"
        main.write_text(MAIN.format(d=self.directory, user=user))
        return main

    def command(self, binary: str, *extra: str) -> list[str]:
        """Return the nginx command line for this directory."""
        return [binary, "-p", f"{self.directory}/", "-c", str(self.directory / "nginx.conf"),
                "-e", str(self.directory / "error.log"), *extra]

    def start(self, binary: str) -> Nginx:
        """Render, check and start nginx; wait until all three listeners accept."""
        self.render()
        check = subprocess.run(self.command(binary, "-t"), capture_output=True, text=True,
                               check=False)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(self.command(binary), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        for port in (self.public, self.internal, self.health):
            while not _accepts(port):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"nginx did not start: {self.directory}/error.log")
                time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop nginx (QUIT: finish what is in flight) and wait for it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def access_lines(self) -> list[dict[str, Any]]:
        """Return the access log's lines, parsed (nginx writes each line at once)."""
        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text().splitlines()]

    def access_line(self, request_id: str) -> dict[str, Any]:
        """Return the one access log line of ``request_id`` (nginx logs after answering)."""
        return one_line(self.access_lines, request_id)

    def client(self, listener: str, source: str = GPAS, cert: Path | None = None,
               timeout: float = 15) -> http.client.HTTPConnection:
        """Return a connection to ``listener`` (public, internal, health) from ``source``."""
        port = getattr(self, listener)
        if listener == "health":
            return http.client.HTTPConnection(HOST, port, timeout=timeout,
                                              source_address=(source, 0))
        context = ssl.create_default_context(cafile=str(self.pki.server_ca))
        if cert is not None:
            context.load_cert_chain(str(cert))
        return http.client.HTTPSConnection(HOST, port, timeout=timeout, context=context,
                                           source_address=(source, 0))

    def request(self, listener: str, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None, source: str = GPAS,
                cert: Path | None = None, timeout: float = 15) -> Answer:
        """Send one request on a new connection and read the answer."""
        connection = self.client(listener, source, cert, timeout)
        try:
            return send(connection, method, path, body, headers)
        finally:
            connection.close()


def send(connection: http.client.HTTPConnection, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> Answer:
    """Send one request on ``connection`` and read the whole answer."""
    connection.request(method, path, body=body or None, headers=headers or {})
    response = connection.getresponse()
    return Answer(response.status, response.headers, response.read())


def raw_connection(nginx: Nginx, listener: str, source: str = GPAS) -> socket.socket:
    """Open a socket to ``listener``: TLS with GPAS's certificate, except on health."""
    sock = socket.create_connection((HOST, getattr(nginx, listener)), timeout=15,
                                    source_address=(source, 0))
    if listener == "health":
        return sock
    context = ssl.create_default_context(cafile=str(nginx.pki.server_ca))
    context.load_cert_chain(str(nginx.pki.gpas_client))
    return context.wrap_socket(sock, server_hostname="localhost")


def raw_exchange(nginx: Nginx, listener: str, request: bytes, tls: bool = True,
                 source: str = GPAS) -> Answer:
    """Send ``request`` bytes as they are (an HTTP client would normalise its path: this does
    not) and read the answer; ``tls=False`` sends plain bytes to a TLS listener."""
    if tls:
        sock = raw_connection(nginx, listener, source)
    else:
        sock = socket.create_connection((HOST, getattr(nginx, listener)), timeout=15,
                                        source_address=(source, 0))
    with sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, response.headers, response.read())


def raw_reply(nginx: Nginx, listener: str, request: bytes) -> bytes:
    """Send ``request`` bytes and return every byte nginx sends back until it closes."""
    with raw_connection(nginx, listener) as sock:
        sock.sendall(request)
        received = b""
        while True:
            try:
                data = sock.recv(65536)
            except (ssl.SSLEOFError, ConnectionResetError):
                return received
            if not data:
                return received
            received += data


def one_line(read: Callable[[], list[dict[str, Any]]], request_id: str) -> dict[str, Any]:
    """Return the one line ``read`` gives for ``request_id``, waiting for it to be written."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in read() if line["request_id"] == request_id]
        if lines or time.monotonic() > deadline:
            assert len(lines) == 1, lines
            return lines[0]
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def assert_gpas_error(answer: Answer, status: int, code: int, error_type: str) -> None:
    """Assert that ``answer`` is the GPAS error body, as JSON, with one request id."""
    assert answer.status == status, answer.raw
    assert answer.header("Content-Type") == ["application/json"]
    body = answer.json()
    assert set(body) == {"code", "type", "message"}
    assert (body["code"], body["type"]) == (code, error_type)
    assert isinstance(body["message"], str) and body["message"]
    assert len(answer.header("X-Request-Id")) == 1
