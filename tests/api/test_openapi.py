"""The OpenAPI document at /openapi.json and the docs page at /docs."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30ReadValidator
from openapi_spec_validator import validate

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.responses import json_of
from devkit.settings import base_config
from tests.support.store import FakeRedis
from walletsvc import create_app, errors
from walletsvc.api.contract import contract_of
from walletsvc.schemas.errors import ErrorSchema

DOCUMENTED_BLUEPRINTS = ("gpas.", "reconciliation.", "admin.", "protection.", "ledger.",
                         "approvals.", "operators.", "audit.")


@pytest.fixture(scope="module")
def app(operators_url: str) -> Flask:
    """One app on fakeredis (the document does not depend on the store), its operators at
    ``operators_url`` for the exchange checked against the document."""
    built = create_app(base_config(ledger_url=operators_url), redis=FakeRedis())
    built.testing = True
    return built


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    """The served document."""
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = json_of(response)
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (path, method, operation) for every documented operation."""
    return [(path, method, op) for path, item in document["paths"].items()
            for method, op in item.items()]


def test_document_is_valid_openapi_3(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.0")


def test_every_gpas_reconciliation_and_admin_route_is_documented_with_its_methods(
        app: Flask, document: dict[str, Any]) -> None:
    expected = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(DOCUMENTED_BLUEPRINTS):
            path = re.sub(r"<(\w+)>", r"{\1}", rule.rule)
            expected |= {(path, m.lower()) for m in rule.methods or () if m not in
                         ("HEAD", "OPTIONS")}
    assert {(path, method) for path, method, _ in operations(document)} == expected
    assert "/sessions" in document["paths"]
    assert "/wallets/my/balance" in document["paths"]
    assert all(contract_of(app.view_functions[rule.endpoint]) for rule in app.url_map.iter_rules()
               if rule.endpoint.startswith(DOCUMENTED_BLUEPRINTS))


def test_operation_ids_are_unique_and_every_operation_has_a_summary(
        document: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))
    assert all(op["summary"] for _, _, op in operations(document))


@pytest.mark.parametrize(("prefix", "schemes"), [
    ("/movements", {"parentSystemId", "signature"}),
    ("/wallets", {"parentSystemId", "signature"}),
    ("/sessions/close", {"parentSystemId", "signature"}),
    ("/reconciliation", {"reconciliationKey"}),
    ("/admin", {"operatorToken"}),
])
def test_each_operation_names_the_credentials_it_needs(
        document: dict[str, Any], prefix: str, schemes: set[str]) -> None:
    matching = [op for path, _, op in operations(document) if path.startswith(prefix)]
    assert matching
    for op in matching:
        assert [set(requirement) for requirement in op["security"]] == [schemes]


def test_opening_a_session_needs_the_signature_and_a_launch_token(
        document: dict[str, Any]) -> None:
    op = document["paths"]["/sessions"]["post"]
    assert [set(r) for r in op["security"]] == [{"parentSystemId", "signature", "launchToken"}]


def test_security_schemes_are_the_signature_headers_and_three_bearer_keys(
        document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["parentSystemId"] == {**schemes["parentSystemId"], "type": "apiKey",
                                         "in": "header", "name": "x-parent-system-id"}
    assert schemes["signature"]["name"] == "x-signature"
    assert "SHA1(input + secret)" in schemes["signature"]["description"]
    for name in ("launchToken", "operatorToken", "reconciliationKey"):
        assert (schemes[name]["type"], schemes[name]["scheme"]) == ("http", "bearer")


def test_every_error_answer_is_the_error_schema(document: dict[str, Any]) -> None:
    responses = document["components"]["responses"]
    assert operations(document)
    for _, _, op in operations(document):
        errors_documented = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "500" in errors_documented
        for answer in errors_documented.values():
            name = answer["$ref"].rsplit("/", 1)[1]
            assert responses[name]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"}
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "type", "message"}
    assert error["additionalProperties"] is False


def every_wallet_error() -> list[type[errors.WalletError]]:
    """Return WalletError and every subclass of it."""
    found, pending = [], [errors.WalletError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("error", every_wallet_error(), ids=lambda cls: cls.__name__)
def test_every_error_body_the_service_writes_fits_the_error_schema(
        error: type[errors.WalletError]) -> None:
    assert ErrorSchema().validate(error().body()) == {}
    assert ErrorSchema().validate(error("detail", {"field": ["why"]}).body()) == {}


def test_amounts_are_strings_or_numbers_in_and_exact_numbers_out(
        document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    value = schemas["DebitRequest"]["properties"]["value"]
    assert [alternative["type"] for alternative in value["oneOf"]] == ["string", "number"]
    assert re.fullmatch(value["oneOf"][0]["pattern"], "12.50")
    assert not re.fullmatch(value["oneOf"][0]["pattern"], "1,50")
    assert schemas["MovementResult"]["properties"]["leftBalance"]["type"] == "number"
    assert schemas["ReconciliationRow"]["properties"]["total_ggr"]["type"] == "number"


def test_patterns_use_the_ecma_end_anchor(document: dict[str, Any]) -> None:
    text = str(document)
    assert "\\\\Z" not in text and "\\Z" not in text


def test_request_bodies_refuse_unknown_fields(document: dict[str, Any]) -> None:
    for name in ("DebitRequest", "CreditRequest", "RollbackRequest", "AdjustmentRequest"):
        assert document["components"]["schemas"][name]["additionalProperties"] is False


# What the service answers matches what the document says ------------------------------------

def validator_for(document: dict[str, Any], path: str, method: str, status: int
                  ) -> OAS30ReadValidator:
    """Return a validator of the answer documented for (path, method, status)."""
    response = document["paths"][path][method]["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    return OAS30ReadValidator({**schema, "components": document["components"]})


def test_answers_of_a_whole_exchange_match_the_document(
        app: Flask, document: dict[str, Any]) -> None:
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id, session_id = open_session(gpas, admin, real="100", bonus="5")
    exchange = [
        ("/wallets/balance", "get", gpas.balance(session_id)),
        ("/wallets/my/balance", "get", gpas.balance(session_id, "/wallets/my/balance")),
        ("/movements/debit", "post", gpas.debit(session_id, "101.50", reference="bet-1")),
        ("/movements/credit", "post", gpas.credit(session_id, "3", reference="win-1")),
        ("/movements/rollback", "patch", gpas.rollback(session_id, "bet-1")),
        ("/movements/debit", "post", gpas.debit(session_id, "1000", reference="bet-2")),
        ("/admin/wallets/{wallet_id}", "get", admin.get(f"/wallets/{wallet_id}")),
        ("/admin/wallets/{wallet_id}/sessions", "get", admin.get(f"/wallets/{wallet_id}/sessions")),
        ("/admin/wallets/{wallet_id}/movements", "get",
         admin.get(f"/wallets/{wallet_id}/movements?limit=2")),
        ("/admin/sessions/{session_id}", "get", admin.get(f"/sessions/{session_id}")),
        ("/admin/wallets/{wallet_id}", "get", admin.get("/wallets/nope")),
        ("/reconciliation", "get", client.get(
            "/reconciliation?date_from=2026-09-21&date_to=2026-09-22",
            headers={"Authorization": "Bearer reconciliation-key"})),
        ("/reconciliation", "get", client.get("/reconciliation")),
    ]
    for path, method, response in exchange:
        validator_for(document, path, method, response.status_code).validate(
            json.loads(response.get_data(), parse_float=Decimal))
    assert gpas.close(session_id).status_code == 200


# The docs page --------------------------------------------------------------------------

def test_docs_page_is_served_by_the_service_and_loads_nothing_from_elsewhere(
        app: Flask) -> None:
    client: FlaskClient = app.test_client()
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    html = page.get_data(as_text=True)
    page.close()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert not re.search(rb"https?://", served.get_data()), asset
        served.close()
    assert not re.search(r"https?://", html)


def test_links_name_operations_and_parameters_that_exist(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    links = [link for _, _, op in operations(document) for answer in op["responses"].values()
             for link in answer.get("links", {}).values()]
    assert len(links) > 10
    for link in links:
        target = by_id[link["operationId"]]
        names = {parameter["name"] for parameter in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= names, link
        if "requestBody" in link:
            assert "requestBody" in target


def test_currencies_are_the_ones_this_service_accepts(make_currency_app: Flask) -> None:
    document = json_of(make_currency_app.test_client().get("/openapi.json"))
    currency = document["components"]["schemas"]["WalletCreateRequest"]["properties"]["currency"]
    assert currency["enum"] == ["BRL", "BTC", "CLP", "EUR", "MXN", "PYG", "USD"]


@pytest.fixture
def make_currency_app() -> Flask:
    """An app that also accepts BTC."""
    return create_app(base_config(currency_scales={"BTC": 8}),
                      redis=FakeRedis())
