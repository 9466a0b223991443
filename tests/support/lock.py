"""The pins of requirements.lock."""

from __future__ import annotations

import re
from pathlib import Path

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"


def locked() -> dict[str, tuple[str, str, list[str]]]:
    """Return name -> (version, marker, hashes) for every pin of the lock."""
    pins: dict[str, tuple[str, str, list[str]]] = {}
    for entry in re.split(r"\n(?=[a-z0-9])", LOCK.read_text().split("\n", 2)[2]):
        head = entry.split(" \\", 1)[0]
        match = re.fullmatch(r"([a-z0-9._-]+)==([^ ;]+)(?: ; (.+))?", head)
        assert match, head
        pins[match[1]] = (match[2], match[3] or "", re.findall(r"--hash=sha256:(\w{64})", entry))
    return pins
