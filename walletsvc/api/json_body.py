"""Read a request body as JSON exactly, and refuse what could not be stored as sent."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import simplejson
from werkzeug.exceptions import RequestEntityTooLarge

from walletsvc.context import current_request
from walletsvc.errors import InvalidRequest

# GPAS bodies are flat objects with one level of tags; 32 levels leave room and bound the work.
MAX_DEPTH = 32
# A "\ud800" escape decodes to a lone surrogate, which UTF-8 (and so Redis) cannot hold.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# The only way such a surrogate gets into a body that is valid UTF-8: a \uD800-\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def refuse_oversized_stream() -> None:
    """Refuse a streamed (chunked) body over the limit with 413, as one with Content-Length is.

    werkzeug stops reading a body without Content-Length at MAX_CONTENT_LENGTH and hands over
    the part it read: the signature check would then fail on a cut body (1006), and a view
    could read a prefix of what was sent.
    """
    asked = current_request()
    environ = asked.environ
    # A body with a length (and not chunked, as werkzeug decides) werkzeug limits itself.
    chunked = environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    if environ.get("CONTENT_LENGTH") and not chunked:
        return
    limit = asked.max_content_length
    if limit is None:
        return
    body = asked.get_data(cache=True)
    if len(body) >= limit and environ["wsgi.input"].read(1):
        raise RequestEntityTooLarge()


def parse_json(raw: bytes) -> Any:
    """Parse ``raw``: decimals exact, no NaN, no duplicate keys, bounded nesting, valid text."""
    try:
        data = _DECODER.decode(raw.decode())  # invalid UTF-8 is a ValueError too
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        raise InvalidRequest("the body is not valid JSON") from None
    except ArithmeticError:  # decimal.InvalidOperation: an exponent past what a decimal holds
        raise InvalidRequest("the body holds a number out of range") from None
    # Only a body that could break a rule is walked: one with more brackets than the depth
    # allows, or with an escape that may stand for a lone surrogate.
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH or _SURROGATE_ESCAPE.search(raw):
        _check_values(data)
    return data


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


# Numbers as exact decimals, no NaN or infinities (JSONDecoder refuses them by default).
_DECODER = simplejson.JSONDecoder(parse_float=Decimal, object_pairs_hook=_unique_keys)


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
