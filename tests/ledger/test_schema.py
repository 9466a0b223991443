"""Schema migrations are numbered and applied once; partitions are monthly and kept for years."""

from __future__ import annotations

from datetime import date

from tests.support.ledger import Bench
from walletsvc.ledger.database import Partitions, connect, migrate, migrations, schema_version


def test_migrations_are_applied_once_in_order(ledger_url: str) -> None:
    with connect(ledger_url) as conn:
        assert migrate(conn) == []  # the template database already has them
        assert schema_version(conn) == migrations()[-1].version
        versions = conn.execute("SELECT version FROM ledger_schema_version ORDER BY 1")
        assert [v for (v,) in versions] == [m.version for m in migrations()]


def test_each_month_of_changes_gets_its_partition(bench: Bench) -> None:
    from devkit.admin import open_session

    wallet_id, _ = open_session(bench.gpas, bench.admin)
    bench.clock.advance(40 * 86_400)
    assert bench.admin.post(f"/wallets/{wallet_id}/deposits", {
        "amount": "1", "subWallet": "BONUS", "reference": "later"}).status_code == 200
    bench.export()
    rows = bench.sql("SELECT tableoid::regclass::text, count(*) FROM ledger_entries GROUP BY 1"
                     " ORDER BY 1")
    assert [name for name, _ in rows] == ["ledger_entries_2026_09", "ledger_entries_2026_10"]


def test_drop_expired_keeps_the_retention_and_creates_months_ahead(ledger_url: str) -> None:
    with connect(ledger_url) as conn:
        partitions = Partitions(conn)
        partitions.ensure({date(2021, 10, 1), date(2021, 11, 1), date(2021, 12, 1)})
        dropped = partitions.drop_expired(date(2026, 12, 15), retention_years=5)
        created = partitions.create_ahead(date(2026, 12, 15), months=2)
        assert dropped == ["ledger_entries_2021_10", "ledger_entries_2021_11"]
        assert created == ["ledger_entries_2026_12", "ledger_entries_2027_01",
                           "ledger_entries_2027_02"]
        assert partitions.existing() == [date(2021, 12, 1), date(2026, 12, 1),
                                         date(2027, 1, 1), date(2027, 2, 1)]


def test_dropping_a_partition_leaves_balances_and_verify_whole(bench: Bench) -> None:
    from devkit.admin import open_session

    wallet_id, session_id = open_session(bench.gpas, bench.admin, real="30")
    bench.gpas.debit(session_id, "5")
    bench.export()
    with bench.conn() as conn:
        Partitions(conn).drop_expired(date(2031, 12, 1), retention_years=5)
    assert bench.sql("SELECT count(*) FROM ledger_entries") == [(0,)]
    assert bench.sql("SELECT real FROM ledger_wallets WHERE wallet_id = %s", wallet_id) == [
        (2500,)]
    result = bench.app.test_cli_runner().invoke(args=["ledger", "verify", "--wait", "0"])
    assert result.exit_code == 0, result.output
