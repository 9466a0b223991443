"""Each ledger verify run is kept in the ledger, and /metrics reports the last success and
whether the latest run failed, for the alerts."""

from __future__ import annotations

import re
import time
from typing import NoReturn

import pytest

from devkit.admin import open_session
from tests.support.ledger import Bench, make_bench
from walletsvc import create_app
from walletsvc.ledger.verify_runs import run_and_keep
from walletsvc.services import EXTENSION
from walletsvc.store import RedisClient, keys

SUCCESS = "walletsvc_ledger_verify_last_success_timestamp_seconds"
FAILED = "walletsvc_ledger_verify_failed"


def gauges(bench: Bench) -> dict[str, float]:
    """Return verify's gauges as /metrics shows them (absent ones left out)."""
    text = bench.app.test_client().get("/metrics").get_data(as_text=True)
    found = re.findall(rf"^({SUCCESS}|{FAILED}) (\S+)$", text, re.M)
    return {name: float(value) for name, value in found}


def runs(bench: Bench) -> list[tuple[bool, dict[str, object]]]:
    """Return every kept run's (ok, findings), oldest first."""
    return [(ok, findings) for ok, findings in bench.sql(
        "SELECT ok, findings FROM ledger_verify_runs ORDER BY id")]


def test_each_run_is_kept_and_metrics_report_the_last_success_and_the_latest_failure(
        bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="100")
    assert bench.gpas.debit(session_id, "1").status_code == 200
    bench.export()
    assert gauges(bench) == {SUCCESS: 0, FAILED: 0}  # never run yet

    clean = bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0"])
    assert clean.exit_code == 0, clean.output
    succeeded = gauges(bench)[SUCCESS]
    assert abs(succeeded - time.time()) < 60 and gauges(bench)[FAILED] == 0

    bench.redis.hincrby(keys.wallet(wallet_id), "real", 1)
    failed = bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0"])
    assert failed.exit_code == 1
    assert gauges(bench) == {SUCCESS: succeeded, FAILED: 1}
    assert runs(bench) == [
        (True, {"wallets": 1, "differences": 0, "doubledReferences": 0,
                "referencesChecked": 2, "referencesUnknownToRedis": 0,
                "referencesUnderAnotherId": 0, "entriesWaiting": 0,
                "summaryRowsCompared": 1, "summaryDifferences": 0}),
        (False, {"wallets": 1, "differences": 1, "doubledReferences": 0,
                 "referencesChecked": 2, "referencesUnknownToRedis": 0,
                 "referencesUnderAnotherId": 0, "entriesWaiting": 0,
                 "summaryRowsCompared": 1, "summaryDifferences": 0})]


def test_a_run_that_cannot_finish_is_kept_as_failed(bench: Bench) -> None:
    def broken() -> NoReturn:
        raise ConnectionError("Redis went away")

    with bench.conn() as conn, pytest.raises(ConnectionError):
        run_and_keep(conn, broken)
    assert runs(bench) == [(False, {"error": "ConnectionError: Redis went away"})]
    assert gauges(bench) == {SUCCESS: 0, FAILED: 1}


def test_quiet_prints_nothing_when_clean_and_every_finding_when_not(bench: Bench) -> None:
    wallet_id, _ = open_session(bench.gpas, bench.admin, real="100")
    bench.export()
    quiet = ["ledger", "verify", "--wait", "0", "--quiet"]
    clean = bench.app.test_cli_runner().invoke(args=quiet)
    assert (clean.exit_code, clean.output) == (0, "")

    bench.redis.hset(keys.wallet(wallet_id), "blocked", "1")
    found = bench.app.test_cli_runner().invoke(args=quiet)
    assert found.exit_code == 1
    assert found.output.splitlines()[0] == f"{wallet_id}: blocked: Redis True, ledger False"


def test_metrics_leave_verify_out_while_the_ledger_is_unreachable(
        real_redis: RedisClient, unused_url: str) -> None:
    bench = make_bench(real_redis, unused_url)
    response = bench.app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "walletsvc_ledger_lag_seconds" in response.get_data(as_text=True)
    assert gauges(bench) == {}


def test_only_the_operators_process_reports_verify(bench: Bench) -> None:
    gpas_app = create_app(bench.app.extensions[EXTENSION].config, redis=bench.redis,
                          serves=("gpas",))
    text = gpas_app.test_client().get("/metrics").get_data(as_text=True)
    assert "walletsvc_ready" in text and SUCCESS not in text  # GPAS's never opens PostgreSQL
    assert gauges(bench) == {SUCCESS: 0, FAILED: 0}
