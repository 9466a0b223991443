"""Operators, roles and API tokens through the admin API: who may change whom, and what a
token is worth once revoked, expired or its operator disabled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient

from devkit.admin import AdminClient
from devkit.gpas import GpasClient
from devkit.operators import ADMIN, PLATFORM, SUPPORT
from devkit.responses import json_of
from walletsvc.access.directory import Directory, token_hash

Sql = Callable[..., list[tuple[Any, ...]]]


@pytest.fixture
def adam(client: FlaskClient) -> AdminClient:
    return AdminClient(client, ADMIN.token)


def _error(answer: Any) -> tuple[int, str]:
    return answer.status_code, json_of(answer)["type"]


def _person(adam: AdminClient, name: str, roles: list[str]) -> dict[str, Any]:
    created = adam.post("/operators", {"name": name, "kind": "PERSON", "roles": roles,
                                       "email": f"{name}@example.test", "reason": "joined"})
    assert created.status_code == 201, created.get_data(as_text=True)
    return dict(json_of(created))


def _token_of(ledger_url: str, name: str) -> str:
    with psycopg.connect(ledger_url) as conn:
        directory = Directory(conn)
        operator = directory.by_name(name)
        assert operator is not None
        secret, _ = directory.issue_token(operator, "test", timedelta(days=1))
        return secret


def test_me_names_the_caller(client: FlaskClient) -> None:
    me = json_of(AdminClient(client, SUPPORT.token).get("/me"))
    assert (me["name"], me["roles"], me["kind"]) == (SUPPORT.name, ["support"], "PERSON")


def test_an_admin_adds_a_person_with_roles_they_hold(adam: AdminClient, client: FlaskClient,
                                                     ledger_url: str) -> None:
    created = _person(adam, "nina", ["support", "compliance"])
    assert created["roles"] == ["compliance", "support"] and created["disabled"] is False
    nina = AdminClient(client, _token_of(ledger_url, "nina"))
    assert json_of(nina.get("/me"))["name"] == "nina"


def test_no_one_grants_a_role_they_do_not_hold(adam: AdminClient) -> None:
    answer = adam.post("/operators", {"name": "x", "kind": "PERSON", "roles": ["finance_lead"],
                                      "reason": "r"})
    assert _error(answer) == (403, "OPERATOR_CHANGE_REFUSED")
    assert "finance_lead" in json_of(answer)["message"]


def test_a_person_never_holds_the_platform_role(adam: AdminClient) -> None:
    answer = adam.post("/operators", {"name": "x", "kind": "PERSON", "roles": ["platform"],
                                      "reason": "r"})
    assert _error(answer) == (409, "OPERATOR_CONFLICT")
    service = adam.post("/operators", {"name": "cashier", "kind": "SERVICE",
                                       "roles": ["platform"], "reason": "the PSP's callback"})
    assert service.status_code == 201


def test_only_admins_manage_operators(client: FlaskClient) -> None:
    for token in (SUPPORT.token, PLATFORM.token):
        answer = AdminClient(client, token).get("/operators")
        assert _error(answer) == (403, "ROLE_REQUIRED")


def test_no_one_changes_their_own_roles_or_disables_themselves(
        adam: AdminClient, sql: Sql) -> None:
    (adam_id,) = sql("SELECT id FROM operators WHERE name = %s", ADMIN.name)[0]
    answer = adam.client.put(f"/admin/operators/{adam_id}/roles", headers=adam.headers,
                             json={"roles": ["admin"], "reason": "less"})
    assert _error(answer) == (403, "OPERATOR_CHANGE_REFUSED")
    answer = adam.post(f"/operators/{adam_id}/disable", {"reason": "leaving"})
    assert _error(answer) == (403, "OPERATOR_CHANGE_REFUSED")


def test_roles_change_and_the_change_is_recorded_before_and_after(
        adam: AdminClient, sql: Sql) -> None:
    nina = _person(adam, "nina", ["support"])
    changed = adam.client.put(f"/admin/operators/{nina['operatorId']}/roles",
                              headers=adam.headers,
                              json={"roles": ["support", "auditor"], "reason": "T-9"})
    assert json_of(changed)["roles"] == ["auditor", "support"]
    assert sql("SELECT before, after, reason FROM operator_audit WHERE action = "
               "'operator.roles'") == [({"roles": ["support"]},
                                        {"roles": ["auditor", "support"]}, "T-9")]


def test_a_disabled_operators_token_opens_nothing_until_enabled(
        adam: AdminClient, client: FlaskClient, sql: Sql) -> None:
    support = AdminClient(client, SUPPORT.token)
    (support_id,) = sql("SELECT id FROM operators WHERE name = %s", SUPPORT.name)[0]
    assert adam.post(f"/operators/{support_id}/disable", {"reason": "left"}).status_code == 200
    assert _error(support.get("/me")) == (401, "UNAUTHORIZED")
    assert adam.post(f"/operators/{support_id}/enable", {"reason": "back"}).status_code == 200
    assert support.get("/me").status_code == 200


def test_a_service_token_is_shown_once_and_stored_only_as_its_hash(
        adam: AdminClient, client: FlaskClient, sql: Sql) -> None:
    service = json_of(adam.post("/operators", {"name": "crm", "kind": "SERVICE",
                                               "roles": ["support"], "reason": "CRM reads"}))
    made = adam.post(f"/operators/{service['operatorId']}/tokens", {"name": "crm", "days": 30})
    assert made.status_code == 201
    secret = json_of(made)["token"]
    assert secret.startswith("wso_") and len(secret) > 40
    listed = json_of(adam.get(f"/operators/{service['operatorId']}/tokens"))["tokens"]
    assert [t["name"] for t in listed] == ["crm"] and "token" not in listed[0]
    assert sql("SELECT token_hash FROM operator_tokens WHERE name = 'crm'") == [
        (token_hash(secret),)]
    dump = str(sql("SELECT * FROM operator_tokens")) + str(sql("SELECT * FROM operator_audit"))
    assert secret not in dump
    assert json_of(AdminClient(client, secret).get("/me"))["name"] == "crm"


def test_an_admin_makes_no_token_for_a_person(adam: AdminClient, sql: Sql) -> None:
    (support_id,) = sql("SELECT id FROM operators WHERE name = %s", SUPPORT.name)[0]
    answer = adam.post(f"/operators/{support_id}/tokens", {"name": "x"})
    assert _error(answer) == (403, "OPERATOR_CHANGE_REFUSED")


def test_a_person_makes_and_revokes_their_own_token(client: FlaskClient) -> None:
    support = AdminClient(client, SUPPORT.token)
    made = json_of(support.post("/me/tokens", {"name": "laptop", "days": 7}))
    mine = AdminClient(client, made["token"])
    assert mine.get("/me").status_code == 200
    revoked = mine.post(f"/tokens/{made['tokenId']}/revoke", {"reason": "laptop lost"})
    assert json_of(revoked)["revoked"] is True
    assert _error(mine.get("/me")) == (401, "UNAUTHORIZED")
    assert support.get("/me").status_code == 200  # the other token still works


def test_an_expired_token_opens_nothing(client: FlaskClient, sql: Sql) -> None:
    support = AdminClient(client, SUPPORT.token)
    assert support.get("/me").status_code == 200
    sql("UPDATE operator_tokens SET expires_at = now() - interval '1 second'")
    assert _error(support.get("/me")) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("header", [
    "Bearer admin-key-for-tests", "Bearer wso_made-up", "Basic d3NvXzp4", "", "Bearer "])
def test_unknown_credentials_and_the_retired_shared_key_open_nothing(
        client: FlaskClient, header: str, sql: Sql) -> None:
    answer = client.get("/admin/me", headers={"Authorization": header} if header else {})
    assert _error(answer) == (401, "UNAUTHORIZED")
    assert sql("SELECT count(*) FROM operator_audit") == [(0,)]  # no one to record


def test_the_retired_key_is_named_in_the_refusal(client: FlaskClient) -> None:
    answer = client.get("/admin/me", headers={"Authorization": "Bearer some-old-shared-key"})
    assert "shared admin key is retired" in json_of(answer)["message"]


def test_postgresql_down_refuses_every_operator_route_and_no_gpas_call(
        make_app: Callable[..., Any], admin: AdminClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    down = make_app(ledger_url="postgresql://nobody:x@127.0.0.1:9/none").test_client()
    answer = down.get("/admin/me", headers={"Authorization": f"Bearer {ADMIN.token}"})
    assert _error(answer) == (503, "ACCESS_UNAVAILABLE")
    gpas = GpasClient(down)  # the same store, its operators' database unreachable
    opened = gpas.open_session(wallet_id, token)
    assert opened.status_code == 200
    session_id = json_of(opened)["id"]
    assert gpas.debit(session_id, "2.50").status_code == 200
    assert gpas.credit(session_id, "1.00").status_code == 200
    assert gpas.close(session_id).status_code == 200
