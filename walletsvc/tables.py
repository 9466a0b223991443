"""Rows of a report as an aligned table, CSV or JSON text (the CLI and the report answers).

The ``stream_*`` writers hand the text on a batch of rows at a time, so a report of any length
is written with one batch in memory (``walletsvc.ledger.statement`` reads it the same way).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import simplejson

# Decimals as exact JSON numbers, compact: every JSON answer of the service is written by it.
COMPACT_JSON = simplejson.JSONEncoder(use_decimal=True, separators=(",", ":"))
# Rows per piece of a streamed report: pieces of some hundred kilobytes, few writes.
_BATCH_ROWS = 1_000


def render(rows: Sequence[dict[str, Any]], fields: Sequence[str], output: str) -> str:
    """Return ``rows`` (already dumped by their schema) as ``table``, ``csv`` or ``json``."""
    if output == "json":
        return simplejson.dumps(list(rows), use_decimal=True, indent=2, ensure_ascii=False)
    if output == "csv":
        return "".join(stream_csv(rows, fields)).removesuffix("\n")
    text = [[_cell(row.get(f)) for f in fields] for row in rows]
    widths = [max([len(f), *(len(line[i]) for line in text)]) for i, f in enumerate(fields)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                        strict=True)).rstrip()
                     for line in [list(fields), *text])


def _cell(value: Any) -> str:
    """A table cell: an absent value (None) is an empty cell, as in CSV, never ``None``."""
    return "" if value is None else str(value)


def stream_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> Iterator[str]:
    """Yield ``rows`` as CSV text, the header line first, then a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % _BATCH_ROWS == 0:
            yield _take(buffer)
    yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def stream_json(head: dict[str, Any], key: str, items: Iterable[Any]) -> Iterator[str]:
    """Yield the JSON object ``head`` with ``items`` as its last member ``key``, a batch at a
    time: the same text as ``COMPACT_JSON.encode({**head, key: list(items)})``."""
    opening = COMPACT_JSON.encode({**head, key: []})
    yield opening.removesuffix("[]}") + "["
    separator, batch = "", []
    for item in items:
        batch.append(item)
        if len(batch) == _BATCH_ROWS:
            # One call per batch: the encoder's own set-up costs as much as a short item.
            yield separator + COMPACT_JSON.encode(batch)[1:-1]
            separator, batch = ",", []
    yield (separator + COMPACT_JSON.encode(batch)[1:-1] if batch else "") + "]}"
