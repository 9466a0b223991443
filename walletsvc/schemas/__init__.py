"""Marshmallow schemas for every request and answer, named by role.

``<Name>QuerySchema`` validates a query string, ``<Name>RequestSchema`` a request body, and a
schema without either suffix shapes an answer.
"""

from __future__ import annotations

from functools import cache

from marshmallow import Schema


@cache
def shared(schema: type[Schema]) -> Schema:
    """Return the one instance of ``schema`` every request and command shares.

    Building a schema deep-copies its declared fields; loading and dumping leave it unchanged,
    so one instance serves every request (and thread) of the process.
    """
    return schema()
