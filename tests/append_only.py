"""A redis-server's append-only files in either layout, and a backup copy of them.

Redis 6.2 keeps one file, ``appendonly.aof``, which a rewrite replaces by an atomic rename, so
a copy of it is always a whole file. Redis 7 keeps a directory, ``appendonlydir/``: a base file,
incremental files and a manifest naming them; a rewrite adds an incremental file when it starts
and swaps the base when it ends, rewriting the manifest each time. A copy of the directory is
whole when the manifest did not change while it was taken (docs/deployment.md, Backup).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import redis

SINGLE_FILE = "appendonly.aof"
DIRECTORY = "appendonlydir"
MANIFEST = "appendonly.aof.manifest"


def append_only_files(directory: Path) -> list[Path]:
    """Return the append-only files under a server's ``dir``, in whichever layout it wrote."""
    if (directory / DIRECTORY).is_dir():
        return sorted((directory / DIRECTORY).iterdir())
    return [directory / SINGLE_FILE] if (directory / SINGLE_FILE).exists() else []


def wait_for_no_rewrite(client: redis.Redis, seconds: float = 60) -> None:
    """Wait until no append-only rewrite is running or scheduled."""
    deadline = time.monotonic() + seconds
    while True:
        persistence = client.info("persistence")
        if not (persistence["aof_rewrite_in_progress"] or persistence["aof_rewrite_scheduled"]):
            return
        assert time.monotonic() < deadline, "the append-only rewrite did not finish"
        time.sleep(0.05)


def back_up(client: redis.Redis, directory: Path, destination: Path, attempts: int = 5) -> None:
    """Copy the append-only files of the server on ``directory`` into ``destination``."""
    for _ in range(attempts):
        wait_for_no_rewrite(client)
        manifest = _manifest(directory)
        if manifest is None:
            destination.mkdir(parents=True)
            shutil.copy2(directory / SINGLE_FILE, destination / SINGLE_FILE)
            return
        shutil.copytree(directory / DIRECTORY, destination / DIRECTORY)
        if _manifest(directory) == manifest == _manifest(destination):
            return
        shutil.rmtree(destination)  # a rewrite began or ended meanwhile: take it again
    raise AssertionError(f"no whole copy of {directory} in {attempts} attempts")


def _manifest(directory: Path) -> bytes | None:
    path = directory / DIRECTORY / MANIFEST
    return path.read_bytes() if path.exists() else None
