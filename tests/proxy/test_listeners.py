"""Each listener serves its own routes only; GPAS routes need GPAS's client certificate."""

from __future__ import annotations

import uuid

import pytest

from devkit.nginx import GPAS, HOST, PROXY_ONLY, STRANGER
from devkit.operators import PLATFORM_TOKEN
from tests.proxy.stack import Stack, movement_body

pytestmark = [
    pytest.mark.realredis,
    # One process for the proxy's modules (one xdist group): each module's `stack` (nginx and
    # both gunicorns) starts once, not again on every worker that runs one of its tests.
    pytest.mark.xdist_group("proxy"),
]

GPAS_ROUTES = [("POST", "/sessions"), ("PATCH", "/sessions/close"),
               ("GET", "/wallets/balance"), ("GET", "/wallets/my/balance"),
               ("POST", "/movements/debit"), ("POST", "/movements/credit"),
               ("PATCH", "/movements/rollback"), ("GET", "/reconciliation")]
INTERNAL_ROUTES = [("GET", "/admin/wallets/w"), ("POST", "/admin/wallets"), ("GET", "/metrics"),
                   ("GET", "/operator/metrics"), ("GET", "/healthz"), ("GET", "/readyz"),
                   ("GET", "/openapi.json"), ("GET", "/docs")]
NOT_FOUND = {"code": 1010, "type": "NOT_FOUND", "message": "Not found"}


def proxied(stack: Stack, request_id: str) -> bool:
    """Say whether nginx passed the request with this id to gunicorn."""
    return bool(stack.nginx.access_line(request_id)["upstream_status"] != "")


def test_gpas_calls_with_the_gpas_certificate_work_on_the_public_listener(stack: Stack) -> None:
    wallet, session = stack.open_session("10")
    answer = stack.gpas("POST", "/movements/debit", f"walletSessionId={session}",
                        movement_body("debit", "2.50"))
    assert answer.status == 200, answer.raw
    assert answer.json()["leftBalance"] == 7.5
    balance = stack.gpas("GET", "/wallets/balance", f"walletSessionId={session}")
    assert balance.status == 200 and balance.json()["leftBalance"] == 7.5
    assert stack.balance(wallet)["real"] == 7.5


@pytest.mark.parametrize(("method", "path"), GPAS_ROUTES)
def test_no_gpas_route_or_reconciliation_is_served_on_the_internal_listener(
        stack: Stack, method: str, path: str) -> None:
    request_id = uuid.uuid4().hex
    answer = stack.nginx.request("internal", method, f"{path}?walletSessionId=x",
                                 headers={"X-Request-Id": request_id}, source=HOST,
                                 cert=stack.pki.gpas_client)
    assert (answer.status, answer.json()) == (404, NOT_FOUND)
    assert not proxied(stack, request_id)


@pytest.mark.parametrize(("method", "path"), GPAS_ROUTES + INTERNAL_ROUTES)
def test_the_health_listener_serves_nothing_but_health(stack: Stack, method: str,
                                                       path: str) -> None:
    answer = stack.nginx.request("health", method, path, source=STRANGER)
    if path in ("/healthz", "/readyz"):
        assert answer.status == 200, answer.raw
        assert answer.json()["status"] == "ok"
    else:
        assert (answer.status, answer.json()) == (404, NOT_FOUND)


def test_the_load_balancer_reaches_readiness_without_any_certificate(stack: Stack) -> None:
    answer = stack.nginx.request("health", "GET", "/readyz", source=STRANGER)
    assert answer.status == 200
    assert answer.json() == {"status": "ok", "redis": "ok", "scripts": "loaded"}


def test_signed_credit_with_a_spoofed_forwarded_for_on_the_internal_listener_moves_nothing(
        stack: Stack) -> None:
    wallet, session = stack.open_session("10")
    answer = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}",
                        movement_body("credit", "500.00"), listener="internal",
                        source=STRANGER, headers={"X-Forwarded-For": GPAS})
    assert (answer.status, answer.json()) == (404, NOT_FOUND)
    assert stack.balance(wallet)["real"] == 10


@pytest.mark.parametrize(("method", "path"), GPAS_ROUTES)
def test_no_gpas_route_answers_without_the_gpas_client_certificate(
        stack: Stack, method: str, path: str) -> None:
    for cert in (None, stack.pki.stranger_client):
        answer = stack.nginx.request("public", method, f"{path}?walletSessionId=x",
                                     source=GPAS, cert=cert)
        assert answer.status == 400
        assert answer.json()["type"] == "CLIENT_CERTIFICATE_REQUIRED"


def test_a_credit_without_the_client_certificate_moves_nothing(stack: Stack) -> None:
    wallet, session = stack.open_session("10")
    answer = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}",
                        movement_body("credit", "500.00"), cert=stack.pki.stranger_client)
    assert answer.status == 400
    assert answer.json() == {"code": 1010, "type": "CLIENT_CERTIFICATE_REQUIRED",
                             "message": "A valid client certificate is required"}
    assert stack.balance(wallet)["real"] == 10


@pytest.mark.parametrize(("method", "path"), [*INTERNAL_ROUTES, ("GET", "/docs/static/docs.js")])
def test_admin_metrics_and_docs_are_not_served_on_the_public_listener(
        stack: Stack, method: str, path: str) -> None:
    answer = stack.nginx.request("public", method, path, cert=stack.pki.gpas_client,
                                 headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"})
    assert (answer.status, answer.json()) == (404, NOT_FOUND)


def test_admin_and_metrics_answer_on_the_internal_listener(stack: Stack) -> None:
    wallet = stack.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})
    assert stack.admin("GET", f"/wallets/{wallet['walletId']}")["currency"] == "BRL"
    metrics = stack.nginx.request("internal", "GET", "/metrics", source=HOST)
    assert metrics.status == 200
    assert b"walletsvc_requests_total" in metrics.raw


def test_operator_routes_reach_the_operator_process_and_each_process_has_its_metrics(
        stack: Stack) -> None:
    # GPAS's process mounts no /admin route: a 201 here was answered by the operator's.
    stack.admin("POST", "/wallets", {"playerId": "p", "currency": "BRL"})
    report = stack.nginx.request(
        "internal", "GET", "/admin/ledger/liabilities?date_from=2026-01-01&date_to=2026-01-01",
        headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"}, source=HOST)
    # Read from the operator process's ledger (the operators' database, empty of movements).
    assert (report.status, report.json()) == (200, {"data": []})
    assert stack.nginx.request("internal", "GET", "/openapi.json", source=HOST).status == 200
    created = 'endpoint="/admin/wallets",status="201"'
    operator = stack.nginx.request("internal", "GET", "/operator/metrics", source=HOST)
    gpas = stack.nginx.request("internal", "GET", "/metrics", source=HOST)
    assert operator.status == gpas.status == 200
    assert created.encode() in operator.raw and created.encode() not in gpas.raw


def test_the_public_listener_refuses_addresses_outside_its_allow_list(stack: Stack) -> None:
    wallet, session = stack.open_session("10")
    answer = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}",
                        movement_body("credit", "5"), source=STRANGER,
                        headers={"X-Forwarded-For": GPAS})
    assert answer.status == 403
    assert answer.json() == {"code": 1010, "type": "ADDRESS_NOT_ALLOWED",
                             "message": "Caller address not allowed"}
    assert stack.balance(wallet)["real"] == 10


def test_walletsvc_judges_the_address_nginx_saw_never_the_clients_forwarded_for(
        stack: Stack) -> None:
    # PROXY_ONLY passes nginx's list but not walletsvc's: the app must see it, not the header.
    wallet, session = stack.open_session("10")
    refused = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}",
                         movement_body("credit", "5"), source=PROXY_ONLY,
                         headers={"X-Forwarded-For": GPAS, "X-Request-Id": "spoofed-xff"})
    assert refused.status == 403
    assert refused.json()["type"] == "ADDRESS_NOT_ALLOWED"
    assert proxied(stack, "spoofed-xff")
    # And GPAS itself is let in whatever address it claims to forward for.
    accepted = stack.gpas("POST", "/movements/credit", f"walletSessionId={session}",
                          movement_body("credit", "5"), source=GPAS,
                          headers={"X-Forwarded-For": STRANGER})
    assert accepted.status == 200, accepted.raw
    assert stack.balance(wallet)["real"] == 15
