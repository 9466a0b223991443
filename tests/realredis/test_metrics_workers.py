"""Metrics under gunicorn: counts from every worker add up, whichever worker is scraped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.realredis.service import Service
from tests.redis_server import RedisServer

pytestmark = [pytest.mark.realredis, pytest.mark.slow]


def test_request_counts_are_summed_across_workers(redis_server: RedisServer,
                                                  tmp_path: Path) -> None:
    service = Service(redis_server.url, tmp_path / "gunicorn.log", workers=3).start()
    try:
        _, session_id = service.funded_session("100")
        query = f"walletSessionId={session_id}"
        for _ in range(40):
            assert service.gpas("GET", "/wallets/balance", query)[0] == 200
        for _ in range(5):
            assert service.movement("debit", session_id, "1.00")[0] == 200
        pids = {path.name.split("_")[-1] for path in (tmp_path / f"prometheus-{service.port}"
                                                      ).glob("*.db")}
        assert len(pids) >= 2, "only one worker served: the test proves nothing"
        for _ in range(3):  # whichever worker answers the scrape, the totals are the same
            status, body = service.raw("GET", "/metrics")
            assert status == 200
            text = body.decode()
            assert 'walletsvc_requests_total{code="0",endpoint="/wallets/balance"} 40.0' in text
            assert 'walletsvc_movements_total{currency="BRL",kind="debit"} 5.0' in text
            assert "walletsvc_open_sessions 1.0" in text
    finally:
        service.stop()
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
             if line.startswith("{")]
    assert sum(1 for line in lines if line.get("endpoint") == "/wallets/balance") == 40

