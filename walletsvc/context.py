"""The current request, taken from behind Flask's proxy once.

Every attribute read through ``flask.request`` looks the request context up again; the checks
that run on every call read several, so they take the request object itself, once.
"""

from __future__ import annotations

from typing import cast

from flask import Request, request
from werkzeug.local import LocalProxy


def current_request() -> Request:
    """Return the request being served."""
    return cast("LocalProxy[Request]", request)._get_current_object()
