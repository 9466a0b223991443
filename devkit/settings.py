"""The settings every test app is built with, and a clock the tests move by hand."""

from __future__ import annotations

from typing import Any

from walletsvc.config import Config

PARENT_ID = "BL13GT"
SECRET = "Ax34deSfgdB"
OTHER_PARENT, OTHER_SECRET = "OTHER1", "other-secret"
PORTAL_KEY = "portal-jwt-secret-of-at-least-32-bytes!"
START_MS = 1_790_000_000_000  # 2026-09-21T14:13:20Z


def base_config(**overrides: Any) -> Config:
    """Return test settings with ``overrides`` applied."""
    settings: dict[str, Any] = {
        "parent_systems": {PARENT_ID: (SECRET,), OTHER_PARENT: (OTHER_SECRET,)},
        "reconciliation_api_key": "reconciliation-key",
        "jwt_key": PORTAL_KEY,
    }
    settings.update(overrides)
    return Config(**settings)


class FakeClock:
    """UTC milliseconds that move only when a test says so."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now_ms += int(seconds * 1000)
