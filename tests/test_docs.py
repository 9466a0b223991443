"""The documentation holds together: every relative link reaches its file (and its heading), and
the README stays a front door."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_MAX_LINES = 300
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def documents() -> list[Path]:
    """Return the README, every page under docs/, and the benchmark's README."""
    return [README, *sorted((ROOT / "docs").rglob("*.md")), ROOT / "bench" / "README.md"]


def prose(text: str) -> list[str]:
    """Return the lines of ``text`` outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(page: Path) -> set[str]:
    """Return the anchors GitHub gives the headings of ``page`` (a repeated one gets -1, -2...)."""
    found: set[str] = set()
    for line in prose(page.read_text()):
        heading = HEADING.match(line)
        if heading:
            base = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            anchor, n = base, 0
            while anchor in found:
                n += 1
                anchor = f"{base}-{n}"
            found.add(anchor)
    return found


def relative_links(page: Path) -> list[str]:
    """Return the targets of ``page``'s links that point inside the repository."""
    targets = [target for line in prose(page.read_text()) for target in LINK.findall(line)]
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def broken(page: Path, target: str) -> str | None:
    """Return why ``target``, linked from ``page``, leads nowhere, or None if it arrives."""
    path, _, anchor = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    if not file.exists():
        return f"{page.name}: {target}: no such file"
    if anchor and file.suffix == ".md" and anchor not in anchors(file):
        return f"{page.name}: {target}: no such heading"
    return None


def test_every_relative_link_reaches_its_file_and_heading() -> None:
    links = [(page, target) for page in documents() for target in relative_links(page)]
    assert len(links) > 50
    assert any("#" in target for _, target in links)
    failures = [reason for page, target in links if (reason := broken(page, target))]
    assert failures == []


def test_a_link_to_a_missing_file_or_heading_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Sizing `maxmemory`\n\n```\n# not a heading\n```\n")

    assert broken(page, "page.md#sizing-maxmemory") is None
    assert broken(page, "#sizing-maxmemory") is None
    assert broken(page, "page.md#not-a-heading") is not None
    assert broken(page, "missing.md") is not None


def test_the_readme_stays_a_front_door() -> None:
    lines = README.read_text().splitlines()
    assert 50 < len(lines) < README_MAX_LINES
    assert any(line.startswith("## Where to read on") for line in lines)
