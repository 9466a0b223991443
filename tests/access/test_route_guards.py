"""Nothing unguarded: every operator route declares its roles and its audit action, and the
roles it declares are the ones it enforces, for each demo operator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.routing import Rule

from devkit.admin import AdminClient
from devkit.operators import EVERYONE
from devkit.responses import json_of
from devkit.settings import base_config
from tests.support.store import FakeRedis
from walletsvc import create_app
from walletsvc.access.guard import GUARDS
from walletsvc.access.roles import Role

# Routes every process answers, outside the operator's side: probes and metrics.
_EVERY_PROCESS = {"health", "metrics"}


ROUTES = create_app(base_config(), redis=FakeRedis(), serves=("operator",))
RULES = [rule for rule in ROUTES.url_map.iter_rules()
         if rule.endpoint != "static" and not rule.endpoint.endswith(".static")
         and rule.endpoint.split(".")[0] not in _EVERY_PROCESS]


def _view(rule: Rule) -> Any:
    return ROUTES.view_functions[rule.endpoint]


def test_the_operator_process_has_routes_to_check() -> None:
    assert len(RULES) > 20


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{','.join(sorted(r.methods or []))} "
                                                     f"{r.rule}")
def test_every_operator_route_declares_roles_and_audit(rule: Rule) -> None:
    guard = GUARDS.get(_view(rule))
    assert guard is not None, f"{rule.rule} declares neither @guarded nor @public"
    if guard.public:
        assert guard.action.startswith("public: ") and len(guard.action) > 20
        assert rule.rule in ("/openapi.json", "/docs") or rule.rule.startswith(
            "/admin/signin") or rule.rule in ("/admin/signout", "/console/signin",
                                              "/console/signout"), (
            f"{rule.rule} is public: only documentation and sign-in may be")
    else:
        assert guard.roles, f"{rule.rule} names no role"
        assert guard.action and "." in guard.action, f"{rule.rule} names no audit action"
        if guard.target:
            assert f"<{guard.target}>" in rule.rule, f"{rule.rule}: target {guard.target}"


def test_no_gpas_route_is_an_operator_route() -> None:
    built = create_app(base_config(), redis=FakeRedis(), serves=("gpas",))
    guarded_gpas = [rule.rule for rule in built.url_map.iter_rules()
                    if built.view_functions.get(rule.endpoint) in GUARDS]
    assert guarded_gpas == []


def _path(rule: Rule, ids: dict[str, str]) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", ids.get(argument, "unknown"))
    return path


GUARDED = [rule for rule in RULES if not GUARDS[_view(rule)].public]
CASES = [(rule, method) for rule in GUARDED
         for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


@pytest.mark.parametrize(("rule", "method"), CASES,
                         ids=lambda v: v.rule if isinstance(v, Rule) else str(v))
def test_each_route_refuses_exactly_the_operators_without_its_roles(
        rule: Rule, method: str, admin: AdminClient,
        sql: Callable[..., list[tuple[Any, ...]]]) -> None:
    wallet_id = admin.wallet("10")
    ids = {"wallet_id": wallet_id, "operator_id": "op_none", "token_id": "tok_none",
           "session_id": "s-none", "request_id": "r-none"}
    guard = GUARDS[_view(rule)]
    for demo in EVERYONE:
        allowed = bool(guard.roles & demo.roles)
        answer = admin.client.open(
            _path(rule, ids), method=method, json={},
            headers={"Authorization": f"Bearer {demo.token}"},
            query_string={"date_from": "2026-01-01", "date_to": "2026-01-02"})
        refused = answer.status_code == 403 and json_of(answer)["type"] == "ROLE_REQUIRED"
        assert refused is not allowed, (demo.name, answer.status_code,
                                         answer.get_data(as_text=True))
        recorded = sql("SELECT actor_name, outcome FROM operator_audit WHERE action = %s "
                       "ORDER BY seq DESC LIMIT 1", guard.action)
        assert recorded == [(demo.name, answer.status_code)], demo.name


def test_every_role_is_needed_somewhere() -> None:
    needed = set().union(*(GUARDS[_view(rule)].roles for rule in GUARDED))
    assert needed == set(Role)
