"""A TCP proxy on loopback that a test can cut and heal: a network partition between two nodes."""

from __future__ import annotations

import contextlib
import socket
import threading

from devkit.redis import free_port


class TcpProxy:
    """Forward connections on ``port`` to ``target_port`` until cut.

    ``cut`` closes every forwarded connection and, until ``heal``, closes each new one at
    once: the two sides cannot reach each other, as across a partition.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._stopped = False

    def start(self) -> TcpProxy:
        """Start accepting connections."""
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones."""
        self._open.clear()
        self._close_all()

    def heal(self) -> None:
        """Forward new connections again."""
        self._open.set()

    def stop(self) -> None:
        """Stop the proxy and close everything."""
        self._stopped = True
        self._open.clear()
        self._listener.close()
        self._close_all()

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        """Copy bytes from ``source`` to ``sink`` until either side closes, then close both."""
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:  # the second pump of the pair finds them gone
            pair = [sock for sock in (source, sink) if sock in self._sockets]
            self._sockets = [sock for sock in self._sockets if sock not in pair]
        for sock in pair:
            sock.close()
