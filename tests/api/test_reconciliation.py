"""The reconciliation report (docs/gpas-contract.md, "Reconciliation"), checked against the audit
streams."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.settings import FakeClock
from devkit.store import stream_fields
from tests.support.answers import error_of
from tests.support.store import all_keys
from tests.support.traffic import KEY, play, report
from walletsvc.domain.games import GamesCatalogue
from walletsvc.store import RedisClient

MIDNIGHT_MS = 1_790_035_200_000  # 2026-09-22T00:00:00Z


def recomputed(redis: RedisClient) -> dict[tuple[str, ...], dict[str, Decimal]]:
    """Totals per (date, provider, game, currency) from the wallet audit streams alone."""
    totals: dict[tuple[str, ...], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for stream in all_keys(redis, "wx:*"):
        for entry in stream_fields(redis, stream):
            if entry["event"] not in ("debit", "credit", "rollback"):
                continue
            day = datetime.fromtimestamp(int(entry["ts"]) // 1000, UTC).date().isoformat()
            scale = 0 if entry["currency"] == "CLP" else 2
            amount = Decimal(entry["amount"]).scaleb(-scale)
            row = totals[(day, entry["provider"], entry["game"], entry["currency"])]
            if entry["event"] == "rollback":
                reversed_debit = int(entry["real"]) + int(entry["bonus"]) > 0
                row["total_bet_rollback" if reversed_debit else "total_win_rollback"] += amount
                row["transaction_count_rollback"] += 1
            else:
                kind = "bet" if entry["event"] == "debit" else "win"
                row[f"total_{kind}"] += amount
                row[f"transaction_count_{kind}"] += 1
    return totals


def test_report_equals_the_sums_of_the_audit_streams(
        make_app: Callable[..., Flask], clock: FakeClock, redis_client: RedisClient) -> None:
    client = make_app(session_idle_seconds=2 * 86_400, session_max_seconds=30 * 86_400
                      ).test_client()
    play(GpasClient(client), AdminClient(client), clock, random.Random(7), days=4)
    rows = report(client, "date_from=2026-09-21&date_to=2026-09-30")
    expected = recomputed(redis_client)
    assert {(r["date"], r["provider_code"], r["game_id"], r["currency"]) for r in rows} == set(
        expected)
    for row in rows:
        want = expected[(row["date"], row["provider_code"], row["game_id"], row["currency"])]
        for field in ("total_bet", "total_bet_rollback", "total_win", "total_win_rollback",
                      "transaction_count_bet", "transaction_count_win",
                      "transaction_count_rollback"):
            assert row[field] == want.get(field, 0), (row, field)
        assert row["total_ggr"] == (row["total_bet"] - row["total_bet_rollback"]) - (
            row["total_win"] - row["total_win_rollback"])
    assert len({r["date"] for r in rows}) >= 4
    assert sum(r["transaction_count_rollback"] for r in rows) >= 10
    assert rows == sorted(rows, key=lambda r: (r["date"], r["provider_code"], r["game_id"]))


def test_movements_count_on_their_own_utc_date_around_midnight(
        gpas: GpasClient, admin: AdminClient, clock: FakeClock, client: FlaskClient) -> None:
    clock.now_ms = MIDNIGHT_MS - 60_000
    _, session_id = open_session(gpas, admin, real="100")
    clock.now_ms = MIDNIGHT_MS - 1
    gpas.debit(session_id, "10", "bet-before")
    clock.now_ms = MIDNIGHT_MS
    gpas.debit(session_id, "20", "bet-after")
    gpas.rollback(session_id, "bet-before")
    rows = report(client, "date_from=2026-09-21&date_to=2026-09-22")
    assert [(r["date"], r["total_bet"], r["total_bet_rollback"], r["transaction_count_bet"],
             r["transaction_count_rollback"], r["total_ggr"]) for r in rows] == [
        ("2026-09-21", 10, 0, 1, 0, 10),
        ("2026-09-22", 20, 10, 1, 1, 10),
    ]
    first_day = report(client, "date_from=2026-09-21&date_to=2026-09-21")
    assert [r["date"] for r in first_day] == ["2026-09-21"]


def test_row_fields_provider_and_game_name(make_app: Callable[..., Flask], catalogue_path: Path
                                          ) -> None:
    client = make_app(games_catalogue=catalogue_path).test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    _, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "7.5", tags={"gameid": "agt-13"})
    gpas.credit(session_id, "2.25", tags={"gameid": "agt-13"})
    [row] = report(client, "date_from=2026-09-21&date_to=2026-09-21")
    assert row == {
        "date": "2026-09-21", "provider_code": "AGT", "game_id": "agt-13",
        "game_name": "Book of Gold", "currency": "BRL", "total_bet": Decimal("7.50"),
        "total_bet_rollback": 0, "total_win": Decimal("2.25"), "total_win_rollback": 0,
        "total_ggr": Decimal("5.25"), "transaction_count_bet": 1, "transaction_count_win": 1,
        "transaction_count_rollback": 0}
    assert b'"total_bet":7.50' in client.get(
        "/reconciliation?date_from=2026-09-21&date_to=2026-09-21", headers=KEY).get_data()


def test_without_a_catalogue_provider_comes_from_the_game_id(
        gpas: GpasClient, admin: AdminClient, client: FlaskClient) -> None:
    _, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "1", tags={"gameid": "pgs-fortune"})
    gpas.debit(session_id, "1", tags={"gameid": "agt-13"})
    rows = report(client, "date_from=2026-09-21&date_to=2026-09-21")
    assert [(r["provider_code"], r["game_id"], r["game_name"]) for r in rows] == [
        ("AGT", "agt-13", "agt-13"), ("PGS", "pgs-fortune", "pgs-fortune")]
    only = report(client, "date_from=2026-09-21&date_to=2026-09-21&provider_code=PGS")
    assert [r["game_id"] for r in only] == ["pgs-fortune"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": f"Bearer {PLATFORM_TOKEN}"},
                                     {"Authorization": "Bearer wrong"}])
def test_report_needs_the_reconciliation_key(client: FlaskClient, headers: dict[str, str]
                                            ) -> None:
    response = client.get("/reconciliation?date_from=2026-09-21&date_to=2026-09-21",
                          headers=headers)
    assert error_of(response) == (401, 1010, "UNAUTHORIZED")


@pytest.mark.parametrize("query", [
    "date_from=2026-09-22&date_to=2026-09-21", "date_from=2026-09-01&date_to=2026-10-02",
    "date_from=2026-13-01&date_to=2026-13-02", "date_from=21/09/2026&date_to=2026-09-22",
    "date_to=2026-09-22", "date_from=2026-09-21&date_to=2026-09-22&extra=1",
])
def test_bad_or_reversed_dates_are_refused(client: FlaskClient, query: str) -> None:
    assert error_of(client.get(f"/reconciliation?{query}", headers=KEY)) == (
        400, 1010, "INVALID_REQUEST")


def test_thirty_one_days_are_allowed_and_thirty_two_are_not(client: FlaskClient) -> None:
    assert report(client, "date_from=2026-09-01&date_to=2026-10-01") == []
    refused = client.get("/reconciliation?date_from=2026-09-01&date_to=2026-10-02", headers=KEY)
    assert error_of(refused) == (400, 1010, "INVALID_REQUEST")


@pytest.mark.parametrize("output", ["table", "csv", "json"])
@pytest.mark.usefixtures("platform_cli")
def test_cli_prints_the_same_report(gpas: GpasClient, admin: AdminClient, client: FlaskClient,
                                    app: Flask, output: str) -> None:
    _, session_id = open_session(gpas, admin, real="100")
    gpas.debit(session_id, "7.5", tags={"gameid": "agt-13"})
    gpas.credit(session_id, "2.25", tags={"gameid": "pgs-1"})
    served = report(client, "date_from=2026-09-21&date_to=2026-09-21")
    result = app.test_cli_runner().invoke(args=[
        "reconciliation", "--from", "2026-09-21", "--to", "2026-09-21", "--format", output])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    if output == "json":
        assert json.loads(result.output, parse_float=Decimal) == served
    elif output == "csv":
        rows = list(csv.DictReader(lines))
        assert [(r["game_id"], r["total_bet"], r["total_win"], r["total_ggr"]) for r in rows] == [
            ("agt-13", "7.50", "0.00", "7.50"), ("pgs-1", "0.00", "2.25", "-2.25")]
    else:
        assert lines[0].split()[:3] == ["date", "provider_code", "game_id"]
        assert [line.split()[2] for line in lines[1:]] == ["agt-13", "pgs-1"]


@pytest.mark.usefixtures("platform_cli")
def test_cli_refuses_a_reversed_range(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=[
        "reconciliation", "--from", "2026-09-22", "--to", "2026-09-21"])
    assert result.exit_code != 0
    assert "INVALID_REQUEST" in result.output


def test_the_shipped_example_catalogue_loads() -> None:
    catalogue = GamesCatalogue.load(Path(__file__).parents[2] / "config/games.example.json")
    assert catalogue.resolve("agt-13").name == "Book of Gold"
    assert catalogue.resolve("pgs-fortune").provider_code == "PGS"
