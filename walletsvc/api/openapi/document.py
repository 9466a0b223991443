"""The OpenAPI 3 document, built from the views' contracts, the URL map and the schemas.

Paths and methods come from Flask's URL map, summaries from the views' docstrings, and what
each operation reads and answers from the contract it declared (``walletsvc.api.contract``);
every request, answer and error shape is a schema of ``walletsvc.schemas``. The map is that of
every blueprint the factory names (``DOCUMENTED``), mounted on a bare app of their own: GPAS's
routes are served by another process than the one that serves the document.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask
from marshmallow import fields
from werkzeug.routing import Rule

from walletsvc.api.contract import Contract, Link, contract_of
from walletsvc.api.openapi.parts import (
    BLUEPRINTS,
    SECURITY_SCHEMES,
    SESSION_OPENING_ENDPOINT,
    TAGS,
    WALLET_ID_SCHEMA,
    error_responses,
)
from walletsvc.money import DECIMAL_TEXT
from walletsvc.schemas.errors import ErrorSchema
from walletsvc.schemas.fields import Money
from walletsvc.services import EXTENSION, Services

DOCUMENTED = "walletsvc.openapi.blueprints"
# Amount strings as money.parse_decimal reads them, less the sign it refuses unless signed.
_AMOUNT_TEXT = "^" + DECIMAL_TEXT.pattern.removeprefix("-?") + "$"
_SIGNED_AMOUNT_TEXT = "^" + DECIMAL_TEXT.pattern + "$"


def build_spec(serving: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3 document of every route whose view declared a contract."""
    app = _every_route(serving)
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="walletsvc", version=version("walletsvc"), openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "The operator wallet (OAS) the GPAS aggregator calls, with the "
                             "operator's admin API. Every error has the Error shape. Two "
                             "processes serve it: GPAS's (the GPAS routes and reconciliation, "
                             "behind the public listener) and the operator's (the admin API "
                             "and the ledger's reports, behind the internal listener; it "
                             "serves this document). Each answers 404 to the other's routes."},
    )
    plugin.converter.map_to_openapi_type(Money, None, None)  # type: ignore[union-attr]
    plugin.converter.add_attribute_function(_money)  # type: ignore[union-attr]
    plugin.converter.add_attribute_function(_ecma_pattern)  # type: ignore[union-attr]
    for name, description in TAGS.items():
        spec.tag({"name": name, "description": description})
    for name, scheme in SECURITY_SCHEMES.items():
        spec.components.security_scheme(name, scheme)
    spec.components.schema("Error", schema=ErrorSchema)
    responses = error_responses()
    for name, description in responses.values():
        spec.components.response(name, {
            "description": description,
            "content": {"application/json": {"schema": "Error"}},
        })
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declared = contract_of(app.view_functions[rule.endpoint])
        if declared is None or _blueprint(rule) not in BLUEPRINTS:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=_path(rule), operations={
            method.lower(): _operation(app, rule, declared, responses) for method in methods})
    document = spec.to_dict()
    # Which currencies a wallet may have depends on this service's settings.
    currency = document["components"]["schemas"]["WalletCreateRequest"]["properties"]["currency"]
    services: Services = serving.extensions[EXTENSION]
    currency["enum"] = services.currencies.codes()
    return document


def _every_route(serving: Flask) -> Flask:
    """Return a bare app with the routes of every documented blueprint mounted."""
    app = Flask(serving.import_name)
    blueprints: tuple[Blueprint, ...] = serving.extensions[DOCUMENTED]
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def _operation(app: Flask, rule: Rule, declared: Contract,
               responses: dict[int, tuple[str, str]]) -> dict[str, Any]:
    view = app.view_functions[rule.endpoint]
    summary = (view.__doc__ or rule.endpoint).strip().splitlines()[0].replace("``", "`")
    group, credentials = BLUEPRINTS[_blueprint(rule)]
    if rule.endpoint == SESSION_OPENING_ENDPOINT:
        credentials = (*credentials, "launchToken")
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": _path_schema(name)}
        for name in sorted(rule.arguments)]
    if declared.query is not None:
        parameters.append({"in": "query", "schema": declared.query})
    success: dict[str, Any] = {"description": declared.description}
    if declared.answer is not None:
        success["content"] = {"application/json": {"schema": declared.answer}}
    if declared.csv:
        success["content"]["text/csv"] = {"schema": {"type": "string"}}
    if declared.links and not _alias_suffix(rule):
        success["links"] = {name: _link(link) for name, link in declared.links.items()}
    answers: dict[str, Any] = {str(declared.status): success}
    for status in _error_statuses(rule, declared):
        answers[str(status)] = responses[status][0]
    operation: dict[str, Any] = {
        "operationId": rule.endpoint.replace(".", "_") + _alias_suffix(rule),
        "summary": summary,
        "tags": [group],
        "security": [{scheme: [] for scheme in credentials}],
        "responses": answers,
    }
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        operation["requestBody"] = {
            "required": True, "content": {"application/json": {"schema": declared.body}}}
    return operation


def _error_statuses(rule: Rule, declared: Contract) -> list[int]:
    """Return the error statuses an operation can answer with."""
    # Every documented route is admitted (walletsvc.admission): it may be refused for overload.
    statuses = {500, 503, *declared.errors}
    blueprint = _blueprint(rule)
    if blueprint == "gpas":
        # Any GPAS call is signed over its body, which is read (and size-checked) first.
        statuses |= {400, 403, 413}
    elif blueprint == "reconciliation":
        statuses |= {400, 401, 403}
    else:  # an operator's route: no live operator, or not the route's roles
        statuses |= {401, 403}
    if declared.query is not None or declared.body is not None:
        statuses.add(400)
    if declared.body is not None:
        statuses.add(413)
    if rule.arguments:
        statuses.add(404)
    return sorted(statuses)


def _blueprint(rule: Rule) -> str:
    endpoint: str = rule.endpoint
    return endpoint.split(".", 1)[0]


def _path(rule: Rule) -> str:
    """Return the rule as an OpenAPI path: ``<wallet_id>`` becomes ``{wallet_id}``."""
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", f"{{{name}}}")
    return path


def _path_schema(name: str) -> dict[str, Any]:
    """Return the schema of a path parameter."""
    return WALLET_ID_SCHEMA if name == "wallet_id" else {"type": "string", "minLength": 1}


def _link(link: Link) -> dict[str, Any]:
    """Return an OpenAPI link: parameters, or the request body under ``requestBody``."""
    operation_id, values = link
    document: dict[str, Any] = {"operationId": operation_id}
    body = values.get("requestBody")
    if body is not None:
        document["requestBody"] = body
    parameters = {name: value for name, value in values.items() if name != "requestBody"}
    if parameters:
        document["parameters"] = parameters
    return document


def _alias_suffix(rule: Rule) -> str:
    """Tell apart two paths served by one view (``/wallets/my/balance``)."""
    return "_my" if "/my/" in rule.rule else ""


def _money(self: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """Document an amount: a decimal string or JSON number in, an exact JSON number out."""
    if not isinstance(field, Money):
        return {}
    if field.dump_only:
        return {"type": "number"}
    if field.signed:
        return {
            "oneOf": [{"type": "string", "pattern": _SIGNED_AMOUNT_TEXT}, {"type": "number"}],
            "description": "an exact decimal, negative or positive, as a JSON string "
                           "(\"-12.50\") or number; never more decimal places than the "
                           "wallet's currency has",
        }
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
