"""The OpenAPI document at /openapi.json and the browsable docs page at /docs."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, Flask, Response, current_app, jsonify

from walletsvc.access.guard import public
from walletsvc.api.openapi.document import DOCUMENTED, build_spec

bp = Blueprint("openapi", __name__, static_folder="docs", static_url_path="/docs/static")

_CACHE = "walletsvc.openapi"
# The docs page and its script come from this service only; nothing from the internet.
_DOCS_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def document_routes(app: Flask, blueprints: Sequence[Blueprint]) -> None:
    """Say which blueprints the document describes: every process's, whichever serves it."""
    app.extensions[DOCUMENTED] = tuple(blueprints)


@bp.get("/openapi.json")
@public("the API's documentation: no player's data")
def document() -> Response:
    """Serve the OpenAPI document of the GPAS routes, reconciliation and the admin API."""
    spec = current_app.extensions.get(_CACHE)
    if spec is None:
        spec = current_app.extensions[_CACHE] = build_spec(current_app)
    return jsonify(spec)


@bp.get("/docs")
@public("the API's documentation page: no player's data")
def docs() -> Response:
    """Serve the browsable docs page, which renders /openapi.json in the browser."""
    response = bp.send_static_file("index.html")
    response.headers["Content-Security-Policy"] = _DOCS_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
