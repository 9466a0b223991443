"""Each view declares its contract once: what it reads, what it answers, what it documents.

``@contract(query=..., body=..., answer=...)`` loads the query string and the body with their
schemas and passes them to the view, in that order, then dumps what the view returns with the
answer schema. The same declaration feeds the OpenAPI document (``walletsvc.api.openapi``), in
the spirit of flask-smorest's ``@blp.arguments`` and ``@blp.response``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Response, current_app
from marshmallow import Schema, ValidationError

from walletsvc.api.json_body import parse_json
from walletsvc.context import current_request
from walletsvc.errors import InvalidAmount, InvalidRequest
from walletsvc.schemas import shared
from walletsvc.schemas.fields import AMOUNT_FIELDS
from walletsvc.tables import COMPACT_JSON

View = Callable[..., Any]
# An OpenAPI link: the target's operationId and where each of its parameters comes from.
Link = tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Contract:
    """What one view reads and answers, and what its documentation adds."""

    query: type[Schema] | None = None
    body: type[Schema] | None = None
    answer: type[Schema] | None = None
    status: int = 200
    description: str = "Done"
    errors: tuple[int, ...] = ()
    links: Mapping[str, Link] = field(default_factory=dict)
    # The view may also answer text/csv (it returns that Response itself).
    csv: bool = False


_CONTRACTS: dict[View, Contract] = {}


def contract(**declared: Any) -> Callable[[View], View]:
    """Declare a view's contract; the view gets the loaded query and body, in that order."""
    declaration = Contract(**declared)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def handle(**path: str) -> Response:
            loaded = []
            if declaration.query is not None:
                loaded.append(load_query(declaration.query))
            if declaration.body is not None:
                loaded.append(load_body(declaration.body))
            return respond(declaration, view(*loaded, **path))

        _CONTRACTS[handle] = declaration
        return handle

    return decorate


def contract_of(view: View) -> Contract | None:
    """Return the contract a view declared, if it declared one, also through the decorators
    above it (the access guard) that wrap it with ``functools.wraps``."""
    found: View | None = view
    while found is not None:
        if found in _CONTRACTS:
            return _CONTRACTS[found]
        found = getattr(found, "__wrapped__", None)
    return None


def load_query(schema: type[Schema]) -> dict[str, Any]:
    """Validate the query string against ``schema``; a parameter given twice is refused."""
    args = current_request().args.to_dict(flat=False)
    repeated = sorted(name for name, values in args.items() if len(values) > 1)
    if repeated:
        raise InvalidRequest("parameters given more than once", {"query": repeated})
    return _load(schema, {name: values[0] for name, values in args.items()})


def load_body(schema: type[Schema]) -> dict[str, Any]:
    """Parse the raw body as a JSON object, exactly (see parse_json), and validate it."""
    asked = current_request()
    raw = asked.get_data(cache=True)
    if asked.mimetype and not asked.is_json:
        raise InvalidRequest("the body must be application/json")
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    return _load(schema, data)


def _load(schema_class: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    schema = shared(schema_class)
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        messages = cast(dict[str, Any], exc.messages)
        # Only a bad amount that was sent is INVALID_AMOUNT; a missing or unknown one is shape.
        if set(messages) <= AMOUNT_FIELDS & set(schema.fields) & set(data):
            raise InvalidAmount(details=messages) from None
        raise InvalidRequest(details=messages) from None
    return loaded


def respond(declaration: Contract, answer: Any) -> Response:
    """Write ``answer`` as the JSON answer (no answer schema: an empty body).

    The presenters (walletsvc.presenters) build answers in exactly the shape of the declared
    schema, so it is written as it is: dumping it through the schema again would copy every
    field of every answer to the same result (a test holds each answer to its schema).
    """
    if isinstance(answer, Response):
        return answer
    if declaration.answer is None:
        return current_app.response_class(status=declaration.status)
    return current_app.response_class(
        COMPACT_JSON.encode(answer),
        status=declaration.status,
        mimetype="application/json",
    )
