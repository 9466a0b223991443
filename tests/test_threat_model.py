"""docs/threat-model.md names the tests behind each mitigation: they must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "threat-model.md"


def named_tests() -> list[tuple[str, str]]:
    """Return (file, test name or "") for each `tests/...` and `::name` reference, in order."""
    named, current = [], ""
    for token in re.findall(r"`([^`]+)`", DOC.read_text()):
        file, _, name = token.partition("::")
        if file.startswith("tests/") and file.endswith(".py"):
            current = file
            named.append((file, name))
        elif not file and name:  # `::name`: another test in the file named just before
            named.append((current, name))
    return named


def test_every_test_the_threat_model_names_exists() -> None:
    named = named_tests()
    assert len(named) > 20
    for file, name in named:
        source = ROOT / file
        assert source.is_file(), file
        if name:
            assert f"def {name}(" in source.read_text(), f"{file}::{name}"
