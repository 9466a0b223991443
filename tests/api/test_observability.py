"""Request ids, JSON request logs and Prometheus metrics (issue: run it like ops expect)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.settings import SECRET, FakeClock
from walletsvc.observability.logs import REQUEST_LOGGER, JsonFormatter


class Lines(logging.Handler):
    """Collects formatted log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger("walletsvc")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def metric(client: FlaskClient, name: str, **labels: str) -> float:
    """Return one sample of /metrics (0 when absent)."""
    text = client.get("/metrics").get_data(as_text=True)
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        sample, _, value = line.rpartition(" ")
        sample_labels = re.sub(r"^[^{]*\{?|\}$", "", sample)
        ordered = ",".join(sorted(sample_labels.split(","))) if sample_labels else ""
        if sample.split("{")[0] == name and ordered == wanted:
            return float(value)
    return 0.0


def test_request_id_is_echoed_or_made(client: FlaskClient) -> None:
    given = client.get("/healthz", headers={"X-Request-Id": "abc-123"})
    assert given.headers["X-Request-Id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-Id": "bad id with spaces"})
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/nope").headers["X-Request-Id"])


def test_one_json_line_per_request_with_its_outcome(
        gpas: GpasClient, admin: AdminClient, log_lines: list[str]) -> None:
    _, session_id = open_session(gpas, admin, real="5")
    log_lines.clear()
    gpas.debit(session_id, "10", reference="big-bet")
    gpas.balance(session_id)
    requests = [json.loads(line) for line in log_lines]
    assert [(r["logger"], r["endpoint"], r["status"], r["code"]) for r in requests] == [
        (REQUEST_LOGGER, "/movements/debit", 400, 1007),
        (REQUEST_LOGGER, "/wallets/balance", 200, 0)]
    for line in requests:
        assert line["parent_system"] == "BL13GT"
        assert line["wallet_session"] == session_id
        assert line["client"] == "127.0.0.1"  # the test client's address
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
        assert line["latency_ms"] >= 0


def test_no_secret_signature_or_token_reaches_the_logs(
        gpas: GpasClient, admin: AdminClient, log_lines: list[str], client: FlaskClient) -> None:
    wallet_id = admin.wallet("10")
    token = admin.token(wallet_id)
    opened = gpas.open_session(wallet_id, token)
    signature = opened.request.headers["x-signature"]
    gpas.call("GET", "/wallets/balance", "walletSessionId=x", signature="0" * 40)
    client.get("/admin/wallets/x", headers={"Authorization": "Bearer wso_wrong-operator-token"})
    client.get("/admin/wallets/x", headers={"Authorization": "Bearer admin-key-for-tests"})
    client.get("/reconciliation?date_from=2026-01-01&date_to=2026-01-01",
               headers={"Authorization": "Bearer reconciliation-key"})
    text = "\n".join(log_lines)
    assert len(log_lines) >= 7
    for secret in (SECRET, PLATFORM_TOKEN, token, signature, "wso_wrong-operator-token",
                   "admin-key-for-tests", "reconciliation-key", "0" * 40):
        assert secret not in text


def test_metrics_count_requests_movements_and_open_sessions(
        gpas: GpasClient, admin: AdminClient, client: FlaskClient) -> None:
    ok_before = metric(client, "walletsvc_requests_total", endpoint="/movements/debit", code="0",
                       status="200")
    dup_before = metric(client, "walletsvc_requests_total", endpoint="/movements/debit",
                        code="1003", status="400")
    moved_before = metric(client, "walletsvc_movement_amount_minor_units_total",
                          kind="debit", currency="BRL")
    _, first = open_session(gpas, admin)
    _, second = open_session(gpas, admin)
    gpas.debit(first, "2.50", reference="bet-1")
    gpas.debit(first, "3.50", reference="bet-1")
    gpas.close(second)
    assert metric(client, "walletsvc_requests_total", endpoint="/movements/debit",
                  code="0", status="200") == ok_before + 1
    assert metric(client, "walletsvc_requests_total", endpoint="/movements/debit",
                  code="1003", status="400") == dup_before + 1
    assert metric(client, "walletsvc_movement_amount_minor_units_total",
                  kind="debit", currency="BRL") == moved_before + 250
    assert metric(client, "walletsvc_open_sessions") == 1
    assert metric(client, "walletsvc_request_seconds_count", endpoint="/movements/debit",
                  code="0", status="200") >= 1


def test_open_sessions_gauge_forgets_expired_sessions(
        gpas: GpasClient, admin: AdminClient, client: FlaskClient, clock: FakeClock) -> None:
    open_session(gpas, admin)
    assert metric(client, "walletsvc_open_sessions") == 1
    clock.advance(31 * 60)
    assert metric(client, "walletsvc_open_sessions") == 0


def test_metrics_can_require_a_bearer_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(metrics_token="scrape-key").test_client()
    assert client.get("/metrics").status_code == 401
    scraped = client.get("/metrics", headers={"Authorization": "Bearer scrape-key"})
    assert scraped.status_code == 200
    assert b"walletsvc_open_sessions" in scraped.get_data()


def test_health_and_readiness_need_no_credentials(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {"status": "ok", "redis": "ok", "scripts": "loaded"}
