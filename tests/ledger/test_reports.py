"""Reports from the ledger: statement, liabilities, reconciliation; JSON, CSV, and 503; who
may read them."""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from devkit.admin import open_session
from devkit.operators import AUDITOR, COMPLIANCE, FINANCE, PLATFORM_TOKEN, SUPPORT
from devkit.responses import decimal_json
from devkit.statements import seed_statement
from tests.support.answers import error_of
from tests.support.ledger import Bench, make_bench
from tests.support.traffic import play, report
from walletsvc.store import RedisClient

ADMIN = {"Authorization": f"Bearer {PLATFORM_TOKEN}"}
DAY_S = 86_400


def get(bench: Bench, path: str) -> Any:
    response = bench.app.test_client().get(f"/admin/ledger{path}", headers=ADMIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    return decimal_json(response)


def test_reconciliation_from_the_ledger_equals_the_redis_report(any_bench: Bench) -> None:
    play(any_bench.gpas, any_bench.admin, any_bench.clock, random.Random(7), days=4)
    any_bench.export()
    query = "date_from=2026-09-21&date_to=2026-09-30"
    from_redis = report(any_bench.app.test_client(), query)
    assert len(from_redis) > 10
    assert get(any_bench, f"/reconciliation?{query}") == {"status": "success",
                                                         "data": from_redis}
    one = get(any_bench, f"/reconciliation?{query}&provider_code=agt")
    assert one["data"] == [row for row in from_redis if row["provider_code"] == "AGT"]


def test_statement_gives_opening_and_closing_balances_and_every_movement(bench: Bench) -> None:
    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="50")
    bench.clock.advance(DAY_S)
    bench.gpas.debit(session_id, "10", reference="bet-1")
    bench.clock.advance(DAY_S)
    bench.gpas.credit(session_id, "4", reference="win-1")
    bench.gpas.rollback(session_id, "bet-1", reference="rb-1")
    bench.clock.advance(DAY_S)
    bench.gpas.debit(session_id, "1", reference="bet-2")
    bench.export()

    statement = get(bench, f"/wallets/{wallet_id}/statement?date_from=2026-09-23"
                           "&date_to=2026-09-23")

    assert statement["opening"] == {"real": 40, "bonus": 0, "total": 40}
    assert statement["closing"] == {"real": 54, "bonus": 0, "total": 54}
    assert [(line["event"], line["reference"], line["real"]) for line in statement["lines"]] == [
        ("credit", "win-1", 4), ("rollback", "rb-1", 10)]
    response = bench.app.test_client().get(
        f"/admin/ledger/wallets/{wallet_id}/statement?date_from=2026-09-21&date_to=2026-09-24"
        "&format=csv", headers=ADMIN)
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("at,event,reference,reverses,typeCode,amount")
    assert [line.split(",")[1] for line in lines[1:]] == [
        "deposit", "debit", "credit", "rollback", "debit"]


@pytest.mark.usefixtures("platform_cli")
def test_liabilities_sum_every_balance_per_currency_at_the_end_of_each_day(
        bench: Bench) -> None:
    _, brl = open_session(bench.gpas, bench.admin, real="100", bonus="5")
    _, clp = open_session(bench.gpas, bench.admin, real="900", currency="CLP")
    bench.clock.advance(DAY_S)
    bench.gpas.debit(brl, "20.50")
    bench.gpas.debit(clp, "100")
    bench.clock.advance(2 * DAY_S)
    bench.gpas.credit(brl, "0.25")
    bench.export()

    rows = get(bench, "/liabilities?date_from=2026-09-21&date_to=2026-09-24")["data"]

    assert [(r["date"], r["currency"], r["real"], r["bonus"], r["total"]) for r in rows] == [
        ("2026-09-21", "BRL", 100, 5, 105), ("2026-09-21", "CLP", 900, 0, 900),
        ("2026-09-22", "BRL", Decimal("79.50"), 5, Decimal("84.50")),
        ("2026-09-22", "CLP", 800, 0, 800),
        ("2026-09-23", "BRL", Decimal("79.50"), 5, Decimal("84.50")),
        ("2026-09-23", "CLP", 800, 0, 800),
        ("2026-09-24", "BRL", Decimal("79.75"), 5, Decimal("84.75")),
        ("2026-09-24", "CLP", 800, 0, 800)]
    result = bench.app.test_cli_runner().invoke(args=[
        "ledger", "liabilities", "--from", "2026-09-24", "--to", "2026-09-24", "--format", "csv"])
    assert result.output.splitlines() == ["date,currency,real,bonus,total,movements",
                                          "2026-09-24,BRL,79.75,5.00,84.75,1",
                                          "2026-09-24,CLP,800,0,800,0"]


def test_reports_answer_503_in_the_gpas_shape_while_the_ledger_is_unreachable(
        real_redis: RedisClient, unused_url: str, operators_url: str) -> None:
    # The session is opened while PostgreSQL answers; then the app loses it.
    reachable = make_bench(real_redis, operators_url)
    wallet_id, session_id = open_session(reachable.gpas, reachable.admin)
    bench = make_bench(real_redis, unused_url)
    for path in ("/liabilities?date_from=2026-09-21&date_to=2026-09-21",
                 "/reconciliation?date_from=2026-09-21&date_to=2026-09-21",
                 f"/wallets/{wallet_id}/statement?date_from=2026-09-21&date_to=2026-09-21"):
        response = bench.app.test_client().get(f"/admin/ledger{path}", headers=ADMIN)
        # The operators and their audit log live in that PostgreSQL too: no operator is known,
        # so the guard answers before the report is tried.
        assert error_of(response) == (503, 1001, "ACCESS_UNAVAILABLE")
    assert bench.gpas.debit(session_id, "1").status_code == 200  # GPAS never waits for it


def test_reports_need_an_operator_token(bench: Bench) -> None:
    response = bench.app.test_client().get(
        "/admin/ledger/liabilities?date_from=2026-09-21&date_to=2026-09-21",
        headers={"Authorization": "Bearer reconciliation-key"})
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")


def test_the_books_are_for_finance_and_compliance_a_statement_for_support_too(
        bench: Bench) -> None:
    wallet_id, _ = open_session(bench.gpas, bench.admin)
    bench.export()
    day = "date_from=2026-09-21&date_to=2026-09-21"
    paths = {"liabilities": f"/liabilities?{day}", "reconciliation": f"/reconciliation?{day}",
             "statement": f"/wallets/{wallet_id}/statement?{day}"}
    allowed = {FINANCE: {"liabilities", "reconciliation", "statement"},
               COMPLIANCE: {"liabilities", "reconciliation", "statement"},
               SUPPORT: {"statement"}, AUDITOR: set()}
    for operator, reads in allowed.items():
        bearer = {"Authorization": f"Bearer {operator.token}"}
        answered = {name: bench.app.test_client().get(f"/admin/ledger{path}", headers=bearer)
                    for name, path in paths.items()}
        assert {name for name, answer in answered.items() if answer.status_code == 200} == reads
        assert {error_of(answer) for name, answer in answered.items() if name not in reads
                } <= {(403, 1010, "ROLE_REQUIRED")}


def test_a_statement_closed_part_way_gives_its_connection_back(bench: Bench) -> None:
    seed_statement(bench.url, "busy", 10_000, date(2025, 1, 1), 365)
    connections = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    response = bench.app.test_client().get(
        "/admin/ledger/wallets/busy/statement?date_from=2025-01-01&date_to=2025-12-31",
        headers=ADMIN, buffered=False)
    first = next(iter(response.response))
    assert isinstance(first, bytes) and first.startswith(b'{"walletId":"busy"')
    streaming = bench.sql(connections)[0][0]
    response.close()  # what the server does when the client goes away
    # The server's backend ends a moment after the client closes its side.
    deadline = time.monotonic() + 10
    while bench.sql(connections)[0][0] != streaming - 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bench.sql(connections)[0][0] == streaming - 1
