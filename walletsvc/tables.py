"""Rows of a report as an aligned table, CSV or JSON text (the CLI and the CSV answers)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import simplejson


def render(rows: Sequence[dict[str, Any]], fields: Sequence[str], output: str) -> str:
    """Return ``rows`` (already dumped by their schema) as ``table``, ``csv`` or ``json``."""
    if output == "json":
        return simplejson.dumps(list(rows), use_decimal=True, indent=2, ensure_ascii=False)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue().removesuffix("\n")
    text = [[str(row.get(f, "")) for f in fields] for row in rows]
    widths = [max([len(f), *(len(line[i]) for line in text)]) for i, f in enumerate(fields)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                        strict=True)).rstrip()
                     for line in [list(fields), *text])
