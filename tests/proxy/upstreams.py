"""Loopback servers that stand in for gunicorn behind nginx and record what nginx sent them."""

from __future__ import annotations

import socket
import threading

from devkit.nginx import HOST

ANSWER = b'{"recorded":true}'


class _Upstream:
    """A loopback server that accepts connections and hands each to ``_serve``."""

    def __init__(self) -> None:
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)
            self._serve(connection)

    def _serve(self, connection: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop accepting and drop the connections."""
        self.listener.close()
        for connection in self.connections:
            connection.close()


class StuckUpstream(_Upstream):
    """A loopback server that accepts connections, reads, and never answers."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        super().__init__()

    def _serve(self, connection: socket.socket) -> None:
        self.requests.append(connection.recv(65536))


class RecordingUpstream(_Upstream):
    """A loopback server that answers every request 200 and records its request line.

    It records before it answers, and nginx answers its client only after this answer: once a
    client has its answer, whatever nginx passed on for it is in ``request_lines``.
    """

    def __init__(self) -> None:
        self.request_lines: list[bytes] = []
        super().__init__()

    def _serve(self, connection: socket.socket) -> None:
        threading.Thread(target=self._answer_each, args=(connection,), daemon=True).start()

    def _answer_each(self, connection: socket.socket) -> None:
        pending = b""
        while True:  # nginx keeps its connections to the upstream open for more requests
            while b"\r\n\r\n" not in pending:
                if not (data := _receive(connection)):
                    return
                pending += data
            head, pending = pending.split(b"\r\n\r\n", 1)
            while len(pending) < (length := _content_length(head)):
                if not (data := _receive(connection)):
                    return
                pending += data
            pending = pending[length:]
            self.request_lines.append(head.split(b"\r\n", 1)[0])
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))


def _receive(connection: socket.socket) -> bytes:
    try:
        return connection.recv(65536)
    except OSError:
        return b""


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0
