"""Client threads that run until a ``with`` block ends: the load of the crash and failover tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Self


class ClientThreads:
    """One thread per seed, each running ``self._client(seed)`` until the block ends.

    A subclass defines ``_client``, loops until ``self._stop`` is set (``self._stop.wait`` is
    its pause), and records what it saw under ``self._lock``.
    """

    def __init__(self, seeds: Iterable[int]) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._client, args=(seed,)) for seed in seeds]

    def __enter__(self) -> Self:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _client(self, seed: int) -> None:
        raise NotImplementedError
