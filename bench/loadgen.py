"""The GPAS mix's load generator: virtual GPAS players over raw HTTP/1.1, one asyncio process.

``python -m bench.loadgen PLAN.json RESULT.json``. Each of ``concurrency`` connections is one
virtual player that plays whole sessions (open, balance, rounds of a bet then a win or a
rollback, close), sending its next request as soon as the last answer arrives (closed loop):
a sequence whose every request depends on the answer before, which wrk cannot replay from a
file. A connection is kept alive when the server allows it and reopened when the server
closes it (gunicorn's sync workers close after every answer), and connecting counts in the
latency. Only answers completed inside the measured window count. When the window is set it
prints ``window <seconds to its start>`` so that the runner measures CPU over the same window.

It costs far more CPU per request than wrk (Python: a few hundred µs, where wrk takes tens),
which the report shows beside its figures: the mix's throughput is a lower bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import socket
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from bench import gpas

CONTENT_LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)")


class TimeUp(Exception):
    """The measured window is over: the player stops."""


class Connection:
    """One client socket that reads whole HTTP/1.1 answers and reconnects when told to close."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buf = bytearray()
        self.connects = 0

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send one request and return (status, body)."""
        loop = asyncio.get_running_loop()
        if self.sock is None:
            self.sock = socket.socket()
            self.sock.setblocking(False)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            await loop.sock_connect(self.sock, ("127.0.0.1", self.port))
            self.connects += 1
        try:
            await loop.sock_sendall(self.sock, request)
            return await self._answer()
        except OSError:
            self.drop()
            raise

    def drop(self) -> None:
        """Close the socket; the next request opens a new one."""
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, bytearray()

    async def _answer(self) -> tuple[int, bytes]:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            await self._receive()
        head = bytes(self.buf[:end]).lower()
        del self.buf[:end + 4]
        length = CONTENT_LENGTH.search(head)
        if length is None:  # no length: the body runs to the end of the connection
            while await self._receive(eof_ok=True):
                pass
            size = len(self.buf)
        else:
            size = int(length[1])
            while len(self.buf) < size:
                await self._receive()
        body = bytes(self.buf[:size])
        del self.buf[:size]
        if b"\r\nconnection: close" in head or length is None:
            self.drop()
        return int(head[9:12]), body

    async def _receive(self, eof_ok: bool = False) -> bool:
        assert self.sock is not None
        data = await asyncio.get_running_loop().sock_recv(self.sock, 65536)
        if not data and not eof_ok:
            raise ConnectionResetError("the server closed the connection mid-answer")
        self.buf += data
        return bool(data)


@dataclass
class Recorder:
    """Latencies and errors per endpoint, for answers completed inside [start, end]."""

    start: float
    end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    errors_outside: int = 0
    samples: list[str] = field(default_factory=list)

    def record(self, endpoint: str, began: float, ended: float, status: int, body: bytes) -> None:
        """Count one answer (status 0: no answer, the connection failed)."""
        inside = self.start <= ended <= self.end
        if status != 200:
            if inside:
                self.errors[endpoint] += 1
            else:
                self.errors_outside += 1
            if len(self.samples) < 10:
                self.samples.append(f"{endpoint} {status} {body[:200]!r}")
        if inside:
            self.latencies[endpoint].append(ended - began)


class Player:
    """One virtual GPAS player on one connection."""

    def __init__(self, conn: Connection, recorder: Recorder, number: int, nonce: str,
                 tokens: list[list[str]], seed: int) -> None:
        self.conn, self.rec, self.number, self.nonce = conn, recorder, number, nonce
        self.tokens = tokens
        self.rng = random.Random(seed)
        self.sent = 0
        self.session: str | None = None

    def reference(self, prefix: str) -> str:
        """Return a reference no other request of any run has used."""
        self.sent += 1
        return f"{prefix}{self.nonce}-{self.number}-{self.sent}"

    async def call(self, endpoint: str, request: bytes) -> tuple[int, bytes]:
        """Send one request, timed and recorded; raise TimeUp once the window is over."""
        began = time.perf_counter()
        if began >= self.rec.end:
            raise TimeUp
        try:
            status, body = await self.conn.exchange(request)
        except OSError as exc:
            status, body = 0, repr(exc).encode()
        self.rec.record(endpoint, began, time.perf_counter(), status, body)
        return status, body

    async def open(self) -> bool:
        """Open a session with the next launch token; False when no token is left."""
        if not self.tokens:
            return False
        wallet_id, token = self.tokens.pop()
        status, body = await self.call("open", gpas.open_session(wallet_id, token))
        if status == 200:
            self.session = json.loads(body)["id"]
        return status == 200

    async def mix(self) -> None:
        """Sessions of 10 to 30 game rounds: open, balance, rounds, close; and again."""
        while True:
            if self.tokens:
                if not await self.open():
                    continue
            elif self.session is None:
                raise RuntimeError("a player was given no launch token")
            assert self.session is not None
            await self.call("balance", gpas.balance(self.session))
            for played in range(1, self.rng.randint(10, 30) + 1):
                await self.round(self.session)
                if played % 10 == 0:
                    await self.call("balance", gpas.balance(self.session))
            if self.tokens:  # out of tokens, the player keeps playing on its last session
                await self.call("close", gpas.close(self.session))
                self.session = None

    async def round(self, session: str) -> None:
        """A bet, then a win (most of them zero) or, for 3% of rounds, its rollback."""
        bet, round_id = self.reference("d"), str(self.sent)
        value = f"{self.rng.randint(10, 500) / 100:.2f}"
        status, _ = await self.call("debit", gpas.movement("debit", session, bet, value, round_id))
        if status == 200 and self.rng.random() < 0.03:
            await self.call("rollback", gpas.rollback(session, self.reference("r"), bet))
            return
        win = "0.00" if self.rng.random() < 0.6 else f"{self.rng.randint(20, 2000) / 100:.2f}"
        await self.call("credit", gpas.movement(
            "credit", session, self.reference("c"), win, round_id))


def summary(latencies: list[float], errors: int, seconds: float) -> dict[str, Any]:
    """Return rps, error count and latency percentiles (ms) of one endpoint."""
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)

    if not ordered:
        return {"count": 0, "rps": 0.0, "errors": errors}
    return {"count": len(ordered), "rps": round(len(ordered) / seconds, 1), "errors": errors,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": round(ordered[-1] * 1000, 2),
            "mean_ms": round(sum(ordered) / len(ordered) * 1000, 2)}


async def run(plan: dict[str, Any]) -> dict[str, Any]:
    """Run the mix at one concurrency and return its measurements."""
    concurrency = plan["concurrency"]
    tokens = plan.get("tokens") or [[] for _ in range(concurrency)]
    conns = [Connection(plan["port"]) for _ in range(concurrency)]
    rec = Recorder(0.0, 0.0)
    players = [Player(conn, rec, n, plan["nonce"], tokens[n], plan["seed"] * 1000 + n)
               for n, conn in enumerate(conns)]
    rec.start = time.perf_counter() + plan["warmup"]
    rec.end = rec.start + plan["duration"]
    print(f"window {plan['warmup']}", flush=True)
    await asyncio.gather(*(_until_time_up(player.mix()) for player in players))
    seconds = rec.end - rec.start
    endpoints = {name: summary(lat, rec.errors[name], seconds)
                 for name, lat in sorted(rec.latencies.items())}
    everything = [x for lat in rec.latencies.values() for x in lat]
    return {
        "generator": "bench.loadgen (Python)", "seconds": round(seconds, 3),
        "total": summary(everything, sum(rec.errors.values()), seconds),
        "endpoints": endpoints, "errors_outside_window": rec.errors_outside,
        "error_samples": rec.samples, "connects": sum(c.connects for c in conns),
        "players_out_of_tokens": sum(1 for p in players if not p.tokens),
    }


async def _until_time_up(work: Awaitable[None]) -> None:
    with contextlib.suppress(TimeUp):
        await work


def main() -> None:
    """Read the plan, run it, write the result."""
    with open(sys.argv[1]) as plan_file:
        plan = json.load(plan_file)
    result = asyncio.run(run(plan))
    with open(sys.argv[2], "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
