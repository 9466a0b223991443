"""Metrics under gunicorn: counts from every worker add up, whichever worker is scraped."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from devkit.redis import RedisServer
from tests.support.service import Service

pytestmark = [pytest.mark.realredis, pytest.mark.slow]


def test_request_counts_are_summed_across_workers(redis_server: RedisServer, tmp_path: Path,
                                                  operators_url: str) -> None:
    service = Service(redis_server.url, tmp_path / "gunicorn.log", operators_url, workers=3).start()
    try:
        _, session_id = service.funded_session("100")
        metrics_dir = tmp_path / f"prometheus-{service.port}"
        sent = 0
        # Batches of eight requests in flight at once, each on a connection of its own, until
        # a second worker has served: workers still booting serve nothing at first.
        with ThreadPoolExecutor(max_workers=8) as pool:
            while sent == 0 or (sent < 400 and len(_worker_files(metrics_dir)) < 2):
                statuses = list(pool.map(
                    lambda _: service.gpas.balance(session_id).status_code, range(40)))
                assert statuses == [200] * 40
                sent += 40
        assert len(_worker_files(metrics_dir)) >= 2, "only one worker served"
        for _ in range(5):
            assert service.gpas.debit(session_id, "1.00").status_code == 200
        for _ in range(3):  # whichever worker answers the scrape, the totals are the same
            scraped = service.http.open("/metrics")
            assert scraped.status_code == 200
            text = scraped.data.decode()
            balance = 'walletsvc_requests_total{code="0",endpoint="/wallets/balance",status="200"}'
            assert f"{balance} {sent}.0" in text, [ln for ln in text.splitlines() if balance in ln]
            assert 'walletsvc_movements_total{currency="BRL",kind="debit"} 5.0' in text
            assert "walletsvc_open_sessions 1.0" in text
    finally:
        service.stop()
    lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
             if line.startswith("{")]
    assert sum(1 for line in lines if line.get("endpoint") == "/wallets/balance") == sent


def _worker_files(metrics_dir: Path) -> set[str]:
    """Return the pids that wrote counters (one file per worker and metric type)."""
    return {path.stem.split("_")[-1] for path in metrics_dir.glob("counter_*.db")}
