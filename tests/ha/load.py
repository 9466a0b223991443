"""Signed GPAS load through the service while Redis fails, and the count of what survived.

Clients send debits and credits; a call that got no answer or a 500 is sent again, the same
reference and body, as GPAS does, until it is answered. The service runs with
WALLETSVC_DUPLICATE_REPLY=replay, so an acknowledgement is always a 200, and a movement sent
again after it must answer its replay (the same movement id).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from devkit.settings import PARENT_ID
from tests.support.service import Service
from tests.support.threads import ClientThreads
from walletsvc.store import keys

RESENDS = 50  # a call left unanswered this many times stays unknown


@dataclass(frozen=True)
class Call:
    """One HTTP exchange: which movement, when it was sent and answered, and the answer."""

    reference: str
    wallet_id: str
    session_id: str
    kind: str
    value: str
    started: float
    ended: float
    status: int | None
    movement_id: str | None


class SignedLoad(ClientThreads):
    """Client threads sending signed movements until the block ends."""

    def __init__(self, service: Service, sessions: list[tuple[str, str]], clients: int = 8,
                 seed: int = 0) -> None:
        self.service = service
        self.sessions = sessions
        self.calls: list[Call] = []
        super().__init__(seed * 100 + n for n in range(clients))

    def _client(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self._stop.is_set():
            wallet_id, session_id = rng.choice(self.sessions)
            kind = rng.choice(["debit", "debit", "credit"])
            value = f"{rng.randint(1, 20)}.{rng.randint(0, 99):02d}"
            reference = f"{kind}-{seed}-{rng.getrandbits(64):x}"
            for _ in range(RESENDS):
                call = self.send(wallet_id, session_id, kind, value, reference)
                if call.status is not None and call.status < 500:  # answered for good
                    break
                if self._stop.wait(0.05):
                    break

    def send(self, wallet_id: str, session_id: str, kind: str, value: str, reference: str
             ) -> Call:
        """Send one movement and record the exchange."""
        started, status, movement_id = time.monotonic(), None, None
        try:
            answer = self.service.gpas.move(kind, session_id, value, reference)
            status = answer.status_code
            movement_id = answer.json.get("movementId") if status == 200 else None
        except (OSError, http.client.HTTPException):  # no answer: the outcome is unknown
            pass
        call = Call(reference, wallet_id, session_id, kind, value, started, time.monotonic(),
                    status, movement_id)
        with self._lock:
            self.calls.append(call)
        return call

    def acknowledged(self) -> dict[str, Call]:
        """Return the first 200 of each reference that got one."""
        first: dict[str, Call] = {}
        for call in sorted(self.calls, key=lambda c: c.ended):
            if call.status == 200:
                first.setdefault(call.reference, call)
        return first

    def statuses(self, calls: Iterable[Call] | None = None) -> Counter[int | None]:
        """Count answers by HTTP status (None: no answer)."""
        return Counter(call.status for call in (self.calls if calls is None else calls))

    def outage(self, since: float, wallets: set[str] | None = None) -> float:
        """Return the seconds from ``since`` to the first acknowledgement of a call sent after."""
        ends = [call.ended for call in self.calls if call.status == 200 and call.started > since
                and (wallets is None or call.wallet_id in wallets)]
        return round(min(ends) - since, 2) if ends else float("inf")


@dataclass
class Figures:
    """What a scenario sent, what was acknowledged, what was lost, how long writes stopped."""

    scenario: str
    sent: int = 0
    acknowledged: int = 0
    lost: int = 0
    unknown: int = 0
    outage_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        """Return the figures as one JSON line."""
        return json.dumps(asdict(self))


def audit(primary: Any, load: SignedLoad, scenario: str) -> Figures:
    """Count what survived on ``primary`` (a client of the serving node, or a cluster client).

    Every balance must equal its audit stream's sum and no reference may be applied twice,
    whatever was lost; lost are the acknowledged references missing from the streams.
    """
    in_streams: Counter[str] = Counter()
    for wallet_id in {wallet for wallet, _ in load.sessions}:
        entries = [fields for _, fields in primary.xrange(keys.wallet_stream(wallet_id))]
        wallet = primary.hgetall(keys.wallet(wallet_id))
        assert sum(int(e["real"]) for e in entries) == int(wallet["real"]), wallet_id
        assert sum(int(e["bonus"]) for e in entries) == int(wallet["bonus"]), wallet_id
        in_streams.update(e["ref"] for e in entries if e["event"] in ("debit", "credit"))
    assert not in_streams or max(in_streams.values()) == 1, "a reference was applied twice"
    acknowledged = load.acknowledged()
    sent = {call.reference for call in load.calls}
    return Figures(scenario, sent=len(sent), acknowledged=len(acknowledged),
                   lost=len(set(acknowledged) - set(in_streams)),
                   unknown=len(sent - set(acknowledged)))


def replays_differing(load: SignedLoad) -> list[str]:
    """Send every acknowledged movement again; return those not answered by their replay."""
    pending = list(load.acknowledged().values())
    differing: list[str] = []
    lock = threading.Lock()

    def resend(share: list[Call]) -> None:
        for call in share:
            answer = load.service.gpas.move(call.kind, call.session_id, call.value,
                                            call.reference)
            if answer.status_code != 200 or answer.json.get("movementId") != call.movement_id:
                with lock:
                    differing.append(call.reference)

    threads = [threading.Thread(target=resend, args=(pending[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return differing


# The name a scenario's figures have among its report's properties (tests/ha/conftest.py).
FIGURES_PROPERTY = "replication figures"


def summary(line: str) -> str:
    """Return a figures line as the summary at the end of the run shows it."""
    figures = json.loads(line)
    return (f"{figures['scenario']}: sent {figures['sent']}, acknowledged "
            f"{figures['acknowledged']}, lost {figures['lost']}, unknown {figures['unknown']}, "
            f"outage {figures['outage_seconds']} s {figures['extra'] or ''}")


def record(figures: Figures, directory: Path) -> None:
    """Print the figures and add them to the run's figures file (shown at the end of the run)."""
    print(f"HA figures: {figures.line()}")
    with (directory / "ha-figures.jsonl").open("a") as out:
        out.write(figures.line() + "\n")


def funded_sessions(service: Service, count: int) -> list[tuple[str, str]]:
    """Create ``count`` wallets with plenty of money and open a session on each."""
    return [service.funded_session("1000000") for _ in range(count)]


__all__ = ["FIGURES_PROPERTY", "PARENT_ID", "Call", "Figures", "SignedLoad", "audit",
           "funded_sessions", "record", "replays_differing", "summary"]
