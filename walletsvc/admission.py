"""Admission control: a worker serves a bounded number of requests at once, and refuses the rest
with 503 OVERLOADED before they touch Redis.

A gevent worker accepts up to ``worker_connections`` (1,000) connections. Served all at once,
their requests would share one core and one Redis pool, and each would wait behind the others
until none is answered within GPAS's window. So at most ``WALLETSVC_MAX_IN_FLIGHT`` requests
run at a time; one more waits up to ``WALLETSVC_ADMISSION_WAIT_MS`` for a turn (a short burst
is absorbed), and is then refused: 503, ``Retry-After``, code 1001 ``OVERLOADED``, nothing
applied. The check is in-process (a lock and an event per waiting request, which gevent
makes cooperative): it costs no Redis round trip.

Health, readiness and metrics are never refused (``@unshed``): a liveness probe refused under
load would get the worker restarted, a readiness probe refused would take every instance out
of the balancer at the peak, and the metrics are how on-call sees the overload. They touch
Redis at most once at a time each, from connections the pool keeps for them
(``UNSHED_CONNECTIONS``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g

from walletsvc.context import current_request
from walletsvc.errors import Overloaded
from walletsvc.observability import metrics, record_overload

# Redis connections per worker beyond the in-flight limit, for the routes never refused.
UNSHED_CONNECTIONS = 4
EXTENSION = "walletsvc.admission"
_UNSHED = "walletsvc_unshed"
View = TypeVar("View", bound=Callable[..., object])


def unshed(view: View) -> View:
    """Mark a view that is served however loaded the worker is (probes and metrics)."""
    setattr(view, _UNSHED, True)
    return view


class Admission:
    """At most ``limit`` requests at once; one more waits up to ``wait_s`` for a turn.

    Turns go to the waiting requests in the order they came, each handed over by the request
    that finishes: a newcomer never takes a turn a waiting one was due, so none waits past
    its due time while later ones are served (a plain semaphore lets newcomers in first).
    """

    def __init__(self, limit: int, wait_s: float) -> None:
        self.limit = limit
        self.wait_s = wait_s
        # Made in the worker after gevent patched threading: waiting yields to other greenlets.
        self._lock = threading.Lock()
        self._free = limit
        self._waiting: deque[threading.Event] = deque()

    def enter(self) -> bool:
        """Take a turn, waiting at most ``wait_s``; say whether one was had."""
        with self._lock:
            if self._free:
                self._free -= 1
                return True
            if self.wait_s <= 0:
                return False
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(self.wait_s):
            return True
        with self._lock:
            if turn.is_set():  # handed over as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    @property
    def waiting(self) -> int:
        """Return how many requests wait for a turn now."""
        return len(self._waiting)

    def leave(self) -> None:
        """Give a turn back: to the request waiting longest, if any."""
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1

    def admit(self) -> None:
        """Let the request in, or refuse it with Overloaded (before any other check)."""
        asked = current_request()
        view = current_app.view_functions.get(asked.endpoint or "")
        if getattr(view, _UNSHED, False):
            return
        if not self.enter():
            record_overload("admission", limit=self.limit, wait_ms=round(self.wait_s * 1000))
            raise Overloaded(reason="admission")
        g.admitted = True
        metrics.in_flight().inc()

    def release(self, _: BaseException | None = None) -> None:
        """Give the request's turn back once it is answered (or failed)."""
        if g.pop("admitted", False):
            metrics.in_flight().dec()
            self.leave()


def init_app(app: Flask, limit: int, wait_ms: int) -> Admission:
    """Admit every request but the unshed ones through one per-worker limit."""
    admission = app.extensions[EXTENSION] = Admission(limit, wait_ms / 1000)
    app.before_request(admission.admit)
    app.teardown_request(admission.release)
    return admission
