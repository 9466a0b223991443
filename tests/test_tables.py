"""Report rows as text: the streamed writers write what the whole ones do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from walletsvc.tables import COMPACT_JSON, render, stream_csv, stream_json

HEAD = {"walletId": "w", "opening": {"real": Decimal("1.50")}}


def rows(count: int) -> list[dict[str, object]]:
    """Return ``count`` rows with a decimal, a text with a comma and quotes, and a None."""
    return [{"n": n, "amount": Decimal(n) / 100, "text": f'a, "b" {n}', "none": None}
            for n in range(count)]


@pytest.mark.parametrize("count", [0, 1, 999, 1000, 2501])
def test_a_streamed_json_object_is_the_whole_objects_text(count: int) -> None:
    pieces = list(stream_json(HEAD, "lines", rows(count)))
    assert "".join(pieces) == COMPACT_JSON.encode({**HEAD, "lines": rows(count)})
    assert len(pieces) == 2 + count // 1000  # the head, each full batch, the rest and the end


@pytest.mark.parametrize("count", [0, 1, 1000, 2501])
def test_streamed_csv_is_the_whole_csv(count: int) -> None:
    fields = ["n", "amount", "text", "none"]
    assert "".join(stream_csv(rows(count), fields)) == render(rows(count), fields, "csv") + "\n"


def test_a_table_shows_an_absent_value_as_an_empty_cell_as_csv_does() -> None:
    table = render(rows(2), ["n", "none", "amount"], "table").splitlines()
    assert "None" not in "\n".join(table)
    assert table == ["n  none  amount", "0        0", "1        0.01"]
    assert render(rows(1), ["n", "none"], "csv").splitlines()[1] == "0,"
