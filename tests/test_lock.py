"""requirements.lock pins every production dependency with hashes, is current, and is what
the test environment runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.lock import LOCK, locked
from tests.tools import unavailable

ROOT = Path(__file__).resolve().parents[1]


def production_requirements() -> list[Requirement]:
    """Return pyproject's dependencies, its `local` extra and its build requirements."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = (project["project"]["dependencies"] + project["project"]["optional-dependencies"]
             ["local"] + project["build-system"]["requires"])
    return [Requirement(name) for name in names]


def test_every_production_dependency_is_pinned_within_its_range_with_hashes() -> None:
    pins = locked()
    requirements = production_requirements()
    assert len(requirements) >= 10
    for requirement in requirements:
        version, _, hashes = pins[canonicalize_name(requirement.name)]
        assert requirement.specifier.contains(version), (requirement, version)
    for name, (version, _, hashes) in pins.items():
        assert hashes, f"{name}=={version} has no hash"


def test_the_test_environment_runs_the_locked_versions() -> None:
    checked = 0
    for name, (version, marker, _) in locked().items():
        if marker and not Marker(marker).evaluate():
            continue
        assert metadata.version(name) == version, name
        checked += 1
    assert checked >= 15


def test_the_lock_is_current_with_pyproject(tmp_path: Path) -> None:
    uv = Path(sys.executable).parent / "uv"
    if not uv.exists() and not shutil.which("uv"):
        unavailable("uv (the test extra) is not installed")
    # Re-resolving keeps the lock's versions wherever pyproject allows them: any difference is
    # a dependency changed in pyproject without `make lock`.
    copy = tmp_path / "requirements.lock"
    shutil.copy(LOCK, copy)
    result = subprocess.run([str(ROOT / "scripts" / "lock.sh"), str(copy)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ,
                                 "UV": str(uv if uv.exists() else shutil.which("uv"))})
    assert result.returncode == 0, result.stderr
    assert copy.read_text() == LOCK.read_text(), "requirements.lock is stale: run `make lock`"
