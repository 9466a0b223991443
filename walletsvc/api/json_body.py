"""Read a request body as JSON exactly, and refuse what could not be stored as sent."""

from __future__ import annotations

import re
from typing import Any

import simplejson
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from walletsvc.errors import InvalidRequest

# GPAS bodies are flat objects with one level of tags; 32 levels leave room and bound the work.
MAX_DEPTH = 32
# A "\ud800" escape decodes to a lone surrogate, which UTF-8 (and so Redis) cannot hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_oversized_stream() -> None:
    """Refuse a streamed (chunked) body over the limit with 413, as one with Content-Length is.

    werkzeug stops reading a body without Content-Length at MAX_CONTENT_LENGTH and hands over
    the part it read: the signature check would then fail on a cut body (1006), and a view
    could read a prefix of what was sent.
    """
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return
    body = request.get_data(cache=True)
    if len(body) >= limit and request.environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def parse_json(raw: bytes) -> Any:
    """Parse ``raw``: decimals exact, no NaN, no duplicate keys, bounded nesting, valid text."""
    try:
        data = simplejson.loads(raw, use_decimal=True, allow_nan=False,
                                object_pairs_hook=_unique_keys)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise InvalidRequest("the body is not valid JSON") from None
    except ArithmeticError:  # decimal.InvalidOperation: an exponent past what a decimal holds
        raise InvalidRequest("the body holds a number out of range") from None
    _check_values(data)
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def _check_values(data: Any) -> None:
    """Walk the parsed body without recursion: depth, and text UTF-8 can encode."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                raise InvalidRequest("the body holds a lone UTF-16 surrogate escape")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise _too_deep()
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children)


def _too_deep() -> InvalidRequest:
    return InvalidRequest(f"the body is nested more than {MAX_DEPTH} levels deep")
