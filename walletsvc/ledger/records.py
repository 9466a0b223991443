"""From an outbox entry to a ledger row, exactly: integers stay integers, text stays text.

The scripts name their fields as in the audit streams (``store/lua/*.lua``); what only the
ledger needs starts with ``_``. The whole entry is kept as written in the row's ``fields``; the
typed columns are what reports and queries read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from walletsvc.store.outbox import OutboxEntry

MONEY_EVENTS = frozenset({"debit", "credit", "rollback", "deposit", "withdrawal"})
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)

COLUMNS = ("at", "shard", "entry_ms", "entry_seq", "event", "wallet_id", "parent_system",
           "session_id", "movement_id", "reference", "reverses", "reversed_kind", "type_code",
           "currency", "amount", "real_delta", "bonus_delta", "real_after", "bonus_after",
           "game_id", "provider_code", "description", "tags", "player_id", "fields")


def moment(ms: int) -> datetime:
    """Return the UTC datetime of ``ms`` exactly (no float in between)."""
    return EPOCH + ms * ONE_MS


def millis(at: datetime) -> int:
    """Return the milliseconds of a datetime exactly."""
    return (at - EPOCH) // ONE_MS


def day_start(day: date) -> datetime:
    """Return midnight UTC of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _text(value: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; the exact value stays in `fields` (json keeps \u0000).
    return value.replace("\x00", "\ufffd") if value is not None else None


def _integer(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


@dataclass(frozen=True, order=True)
class Row:
    """One ``ledger_entries`` row, ordered by its key (the order rows are inserted in)."""

    at: datetime
    shard: str
    entry_ms: int
    entry_seq: int
    values: tuple[Any, ...]

    def as_tuple(self) -> tuple[Any, ...]:
        """Return the row's values in COLUMNS order."""
        return (self.at, self.shard, self.entry_ms, self.entry_seq, *self.values)


def row_of(entry: OutboxEntry) -> Row:
    """Turn an outbox entry into its ledger row."""
    f = entry.fields
    ms, _, seq = entry.entry_id.partition("-")
    wallet = f.get("wallet") or f.get("_wallet") or ""
    tags = f.get("tags")
    values = (
        _text(f["event"]), _text(wallet), _text(f.get("ps") or f.get("_ps")),
        _text(f.get("sid") or f.get("_sid")), _text(f.get("mid")), _text(f.get("ref")),
        _text(f.get("reverses")), _text(f.get("_reversed")), _text(f.get("type")),
        _text(f.get("currency")), _integer(f.get("amount")), _integer(f.get("real")),
        _integer(f.get("bonus")), _integer(f.get("real_after")), _integer(f.get("bonus_after")),
        _text(f.get("game")), _text(f.get("provider")), _text(f.get("description")),
        tags if tags and _is_json(tags) else None, _text(f.get("player")),
        json.dumps(f, ensure_ascii=False, separators=(",", ":")),
    )
    return Row(moment(int(f["ts"])), entry.shard, int(ms), int(seq), values)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
