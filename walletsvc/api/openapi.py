"""The OpenAPI 3 document, built from the marshmallow schemas and the URL map, and its docs page.

Paths and methods come from Flask's URL map, summaries from the views' docstrings, and every
request, answer and error shape from the schemas in ``walletsvc.schemas``; the table in
``walletsvc.api.operations`` only says which schema goes with which view.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any, cast

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify
from marshmallow import fields
from werkzeug.routing import Rule

from walletsvc.api.common import EXTENSION, Services
from walletsvc.api.operations import (
    ERROR_RESPONSES,
    LINKS,
    OPERATIONS,
    SECURITY_SCHEMES,
    TAGS,
    Operation,
    error_statuses,
)
from walletsvc.money import DECIMAL_TEXT
from walletsvc.schemas.errors import ErrorSchema
from walletsvc.schemas.fields import Money

bp = Blueprint("openapi", __name__, static_folder="docs", static_url_path="/docs/static")

_CACHE = "walletsvc.openapi"
# The docs page and its script come from this service only; nothing from the internet.
_DOCS_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
# Amount strings as money.parse_decimal reads them, less the sign it refuses anyway.
_AMOUNT_TEXT = "^" + DECIMAL_TEXT.pattern.removeprefix("-?") + "$"


@bp.get("/openapi.json")
def document() -> Response:
    """Serve the OpenAPI document of the GPAS routes, reconciliation and the admin API."""
    spec = current_app.extensions.get(_CACHE)
    if spec is None:
        spec = current_app.extensions[_CACHE] = build_spec(current_app)
    return jsonify(spec)


@bp.get("/docs")
def docs() -> Response:
    """Serve the browsable docs page, which renders /openapi.json in the browser."""
    response = bp.send_static_file("index.html")
    response.headers["Content-Security-Policy"] = _DOCS_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def build_spec(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3 document of every route the operations table describes."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="walletsvc", version=version("walletsvc"), openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "The operator wallet (OAS) the GPAS aggregator calls, with the "
                             "operator's admin API. Every error has the Error shape."},
    )
    plugin.converter.map_to_openapi_type(Money, None, None)  # type: ignore[union-attr]
    plugin.converter.add_attribute_function(_money)  # type: ignore[union-attr]
    plugin.converter.add_attribute_function(_ecma_pattern)  # type: ignore[union-attr]
    for name, description in TAGS.items():
        spec.tag({"name": name, "description": description})
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Error", schema=ErrorSchema)
    for name, description in ERROR_RESPONSES.values():
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": "Error"}},
        })
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation = OPERATIONS.get(rule.endpoint)
        if operation is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=_path(rule), operations={
            method.lower(): _operation(app, rule, operation) for method in methods})
    document = spec.to_dict()
    # Which currencies a wallet may have depends on this service's settings.
    currency = document["components"]["schemas"]["WalletCreateRequest"]["properties"]["currency"]
    currency["enum"] = cast(Services, app.extensions[EXTENSION]).currencies.codes()
    return document


def _path(rule: Rule) -> str:
    """Return the rule as an OpenAPI path: ``<wallet_id>`` becomes ``{wallet_id}``."""
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", f"{{{name}}}")
    return path


def _operation(app: Flask, rule: Rule, op: Operation) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0].replace("``", "`")
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": op.path_schema(name)}
        for name in sorted(rule.arguments)]
    if op.args is not None:
        parameters.append({"in": "query", "schema": op.args})
    success: dict[str, Any] = {"description": op.answer}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": op.response}}
    if rule.endpoint in LINKS and not _alias_suffix(rule):
        success["links"] = {name: _link(operation_id, values)
                            for name, (operation_id, values) in LINKS[rule.endpoint].items()}
    responses: dict[str, Any] = {str(op.status): success}
    for status in error_statuses(rule.endpoint, op, bool(rule.arguments)):
        responses[str(status)] = ERROR_RESPONSES[status][0]
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_") + _alias_suffix(rule),
        "summary": summary,
        "tags": [op.tag(rule.endpoint)],
        "security": [{scheme: [] for scheme in op.security(rule.endpoint)}],
        "responses": responses,
    }
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": op.body}}}
    return operation


def _link(operation_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Return an OpenAPI link: parameters, or the request body under ``requestBody``."""
    link: dict[str, Any] = {"operationId": operation_id}
    body = values.get("requestBody")
    if body is not None:
        link["requestBody"] = body
    parameters = {name: value for name, value in values.items() if name != "requestBody"}
    if parameters:
        link["parameters"] = parameters
    return link


def _alias_suffix(rule: Rule) -> str:
    """Tell apart two paths served by one view (``/wallets/my/balance``)."""
    return "_my" if "/my/" in rule.rule else ""


def _money(self: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """Document an amount: a decimal string or JSON number in, an exact JSON number out."""
    if not isinstance(field, Money):
        return {}
    if field.dump_only:
        return {"type": "number"}
    return {
        "oneOf": [{"type": "string", "pattern": _AMOUNT_TEXT},
                  {"type": "number", "minimum": 0}],
        "description": "an exact decimal, as a JSON string (\"12.50\") or number; never more "
                       "decimal places than the wallet's currency has",
    }


def _ecma_pattern(self: Any, field: fields.Field[Any], ret: dict[str, Any], **kwargs: Any
                  ) -> dict[str, Any]:
    """Write Python's end-of-text anchor ``\\Z`` as ECMA's ``$``, which means the same there."""
    pattern = ret.get("pattern")
    return {"pattern": pattern.replace("\\Z", "$")} if isinstance(pattern, str) else {}
