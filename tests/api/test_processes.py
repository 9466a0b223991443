"""Each process mounts only its own routes: GPAS's workers never serve an operator's request,
and the operator's never a GPAS call; the OpenAPI document still describes both."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.routing import Rule

from devkit.responses import json_of
from devkit.settings import base_config
from tests.support.answers import error_of
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.api import BLUEPRINTS, Process

EVERY_PROCESS = {"/healthz", "/readyz", "/metrics"}


def built(*serves: Process) -> Flask:
    """Return an app mounting the routes of ``serves`` (the store does not matter here)."""
    app = create_app(base_config(), redis=FakeRedis(), serves=serves)
    app.testing = True
    return app


def own_rules(process: Process) -> list[Rule]:
    """Return the rules of the blueprints only ``process`` mounts."""
    names = {blueprint.name for blueprint in BLUEPRINTS[process]}
    return [rule for rule in built(process).url_map.iter_rules()
            if rule.endpoint.split(".", 1)[0] in names]


def concrete(rule: Rule) -> tuple[str, str]:
    """Return one method and a path that the rule matches."""
    method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
    return method, re.sub(r"<(?:\w+:)?(\w+)>", r"x", rule.rule)


@pytest.mark.parametrize(("serving", "other"), [("gpas", "operator"), ("operator", "gpas")])
def test_a_process_answers_404_in_the_gpas_shape_to_every_route_of_the_other(
        serving: Process, other: Process) -> None:
    client = built(serving).test_client()
    rules = own_rules(other)
    assert len(rules) >= 3
    for rule in rules:
        method, path = concrete(rule)
        response = client.open(path, method=method, headers={"Authorization": "Bearer x"})
        assert error_of(response) == (404, 1010, "NOT_FOUND"), (method, path)


def test_the_gpas_process_mounts_gpas_reconciliation_health_and_metrics_only() -> None:
    paths = {rule.rule for rule in built("gpas").url_map.iter_rules()}
    assert {"/movements/debit", "/sessions", "/reconciliation"} <= paths
    assert paths >= EVERY_PROCESS
    assert not {path for path in paths if path.startswith(("/admin", "/docs", "/openapi"))}


def test_both_processes_answer_health_and_metrics() -> None:
    for process in ("gpas", "operator"):
        client = built(process).test_client()
        for path in EVERY_PROCESS:
            assert client.get(path).status_code == 200, (process, path)


@pytest.mark.parametrize("process", ["gpas", "operator"])
def test_metrics_are_sent_in_prometheus_text_format_with_one_charset(process: Process) -> None:
    content_type = built(process).test_client().get("/metrics").headers["Content-Type"]
    assert content_type == CONTENT_TYPE_LATEST
    parameters = [part.strip().split("=")[0] for part in content_type.split(";")[1:]]
    assert sorted(parameters) == ["charset", "version"]


def test_the_operator_serves_the_document_of_every_route_and_gpas_does_not_serve_it() -> None:
    whole = json_of(built("gpas", "operator").test_client().get("/openapi.json"))
    served = json_of(built("operator").test_client().get("/openapi.json"))
    assert served == whole
    assert {"/movements/debit", "/reconciliation", "/admin/wallets",
            "/admin/ledger/wallets/{wallet_id}/statement"} <= set(served["paths"])
    assert error_of(built("gpas").test_client().get("/openapi.json")) == (404, 1010, "NOT_FOUND")
