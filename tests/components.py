"""What the suite does when a real component it runs against is missing: skip loudly, or fail."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def under_ci() -> bool:
    """Tell whether this run is CI's (``CI=true``), where nothing may be skipped for a lack."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(problem: str | None) -> None:
    """Go on when there is no ``problem``; else skip the test with it (fail it under CI)."""
    if problem:
        missing_component(problem)


def missing_component(reason: str) -> NoReturn:
    """Skip the test with ``reason``, or fail it under CI: CI must run everything."""
    if under_ci():
        pytest.fail(f"{reason} (CI=true: a missing component is a failure)", pytrace=False)
    pytest.skip(reason)
