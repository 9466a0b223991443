"""Programs the suite needs from the system (nginx, promtool, ...): present, or a loud verdict.

`.ci/run` installs them with apt-get. Under CI=true a missing one fails the test that needs it;
elsewhere the test is skipped with a reason that names the program and the package.
"""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    """Say whether this run is CI's (CI=true), where nothing may be skipped."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str) -> None:
    """Fail under CI, else skip, saying what did not run and why."""
    if in_ci():
        pytest.fail(f"{reason} (CI must run this: .ci/run installs what it needs)")
    pytest.skip(f"NOT RUN: {reason}")


def require_program(name: str, package: str) -> str:
    """Return the path of program ``name``; fail under CI, else skip, when it is missing."""
    path = shutil.which(name) or next(
        (p for d in ("/usr/sbin", "/sbin") if os.access(p := f"{d}/{name}", os.X_OK)), None)
    if path is None:
        unavailable(f"{name} is not installed (Debian package {package!r})")
    assert path is not None
    return path


def require_root(what: str) -> None:
    """Fail under CI, else skip, unless this process runs as root."""
    if os.geteuid() != 0:
        unavailable(f"{what} needs root")
