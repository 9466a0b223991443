"""The money requests' routes are in the OpenAPI document, and what they answer matches it."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from openapi_schema_validator import OAS30ReadValidator
from werkzeug.test import TestResponse

from devkit.admin import AdminClient
from devkit.operators import FINANCE, FINANCE_2, SUPPORT
from devkit.responses import json_of
from tests.approvals.conftest import Desk

ROUTES = {("/admin/money-requests", "post"), ("/admin/money-requests", "get"),
          ("/admin/money-requests/{money_request_id}", "get"),
          ("/admin/money-requests/{money_request_id}/approve", "post"),
          ("/admin/money-requests/{money_request_id}/reject", "post")}


def document_of(client: FlaskClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return dict(json_of(answer))


def check(document: dict[str, Any], path: str, method: str, answer: TestResponse) -> None:
    """Validate an answer against the schema documented for its status."""
    response = document["paths"][path][method]["responses"][str(answer.status_code)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"]["application/json"]["schema"]
    OAS30ReadValidator({**schema, "components": document["components"]}).validate(
        json.loads(answer.get_data(), parse_float=Decimal))


def test_every_route_is_documented_under_approvals(client: FlaskClient) -> None:
    document = document_of(client)
    found = {(path, method) for path, item in document["paths"].items()
             for method, operation in item.items() if operation["tags"] == ["Approvals"]}
    assert found == ROUTES
    amount = document["components"]["schemas"]["MoneyRequestCreateRequest"]["properties"][
        "amount"]
    assert "minimum" not in amount["oneOf"][1] and amount["oneOf"][0]["pattern"].startswith(
        "^-?")


def test_answers_match_the_document(client: FlaskClient, desk: Desk, admin: AdminClient
                                    ) -> None:
    document = document_of(client)
    wallet_id = admin.wallet("5")
    made = desk.ask(FINANCE, wallet_id, "-1.50", kind="CORRECTION")
    request_id = json_of(made)["id"]
    failing = json_of(desk.ask(FINANCE, wallet_id, "50", kind="WITHDRAWAL"))["id"]
    rejected = json_of(desk.ask(FINANCE, wallet_id, "1"))["id"]
    item = "/admin/money-requests/{money_request_id}"
    exchange = [
        ("/admin/money-requests", "post", made),
        ("/admin/money-requests", "post", desk.ask(FINANCE, wallet_id, "0")),
        ("/admin/money-requests", "post", desk.ask(SUPPORT, wallet_id, "1")),
        ("/admin/money-requests", "get", desk.by(FINANCE).get("/money-requests?limit=1")),
        (item, "get", desk.by(FINANCE).get(f"/money-requests/{request_id}")),
        (item, "get", desk.by(FINANCE).get("/money-requests/nope")),
        (item + "/approve", "post", desk.approve(FINANCE, request_id)),
        (item + "/approve", "post", desk.approve(FINANCE_2, request_id)),
        (item + "/approve", "post", desk.approve(FINANCE_2, request_id)),
        (item + "/approve", "post", desk.approve(FINANCE_2, failing)),
        (item + "/reject", "post", desk.reject(FINANCE_2, rejected)),
    ]
    assert [answer.status_code for _, _, answer in exchange] == [
        201, 400, 403, 200, 200, 404, 403, 200, 409, 400, 200]
    for path, method, answer in exchange:
        check(document, path, method, answer)
