"""JSON log lines on stderr. Only named fields are written: never headers, bodies or queries,
so signatures, launch tokens and keys cannot reach a log."""

from __future__ import annotations

import json
import logging
import sys
import time
from functools import lru_cache
from typing import Any

REQUEST_LOGGER = "walletsvc.request"


# One encoder for every line (anything not JSON by nature is written as its text).
_LINE = json.JSONEncoder(default=str)


@lru_cache(maxsize=4)
def _second(seconds: int) -> str:
    """Format a UTC second (one per second, however many lines it has)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as one JSON line."""
        line: dict[str, Any] = {
            "ts": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _LINE.encode(line)


def configure() -> None:
    """Send walletsvc's loggers to stderr as JSON, once per process."""
    logger = logging.getLogger("walletsvc")
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


_REQUESTS = logging.getLogger(REQUEST_LOGGER)


def request_line(**fields: Any) -> None:
    """Log one answered request with its named fields.

    The record is made directly, without the caller's file and line (which the line does not
    show and which logging would find by walking the stack on every request).
    """
    if _REQUESTS.isEnabledFor(logging.INFO):
        record = _REQUESTS.makeRecord(REQUEST_LOGGER, logging.INFO, "", 0, "request", (), None,
                                      extra={"fields": fields})
        _REQUESTS.handle(record)
