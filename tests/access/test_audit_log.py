"""The operators' audit log: what each entry holds, and tampering found by verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask.testing import FlaskClient

from devkit.admin import AdminClient
from devkit.operators import AUDITOR, PLATFORM, SUPPORT
from devkit.responses import json_of
from walletsvc.access import audit_log

Sql = Callable[..., list[tuple[Any, ...]]]


def _verify(ledger_url: str, head: tuple[int, str] | None = None) -> audit_log.Verification:
    with psycopg.connect(ledger_url) as conn:
        return audit_log.verify(conn, head)


def _play(admin: AdminClient, support: AdminClient) -> str:
    wallet_id = admin.wallet("25")
    assert support.get(f"/wallets/{wallet_id}").status_code == 200
    blocked = support.post(f"/wallets/{wallet_id}/block", {"reason": "player asked, T-7"})
    assert blocked.status_code == 200
    return wallet_id


@pytest.fixture
def support(client: FlaskClient) -> AdminClient:
    return AdminClient(client, SUPPORT.token)


def test_each_action_and_view_is_an_entry_with_who_where_what_and_why(
        admin: AdminClient, support: AdminClient, sql: Sql) -> None:
    wallet_id = _play(admin, support)
    rows = sql("SELECT actor_name, roles, address, request_id, action, target, outcome, reason,"
               " before, after FROM operator_audit ORDER BY seq")
    by_action = {row[4]: row for row in rows}
    assert [row[4] for row in rows] == ["wallet.create", "money.deposit", "wallet.view",
                                        "player.block"]
    created = by_action["wallet.create"]
    assert created[0] == PLATFORM.name and created[1] == sorted(PLATFORM.roles)
    assert created[5] == f"wallet:{wallet_id}" and created[6] == 201
    deposit = by_action["money.deposit"]
    assert deposit[9]["wallet"]["balance"]["real"] == "25.00"
    assert deposit[9]["asked"] == {"amount": "25", "subWallet": "REAL", "reference": "fund-REAL"}
    block = by_action["player.block"]
    assert block[0] == SUPPORT.name and block[2] == "127.0.0.1" and len(block[3]) == 32
    assert (block[7], block[8], block[9]) == ("player asked, T-7", {"blocked": False},
                                              {"blocked": True})


def test_a_refused_attempt_is_recorded_too(admin: AdminClient, client: FlaskClient,
                                           sql: Sql) -> None:
    wallet_id = admin.wallet()
    auditor = AdminClient(client, AUDITOR.token)
    answer = auditor.post(f"/wallets/{wallet_id}/block", {"reason": "curious"})
    assert (answer.status_code, json_of(answer)["type"]) == (403, "ROLE_REQUIRED")
    assert sql("SELECT actor_name, action, outcome FROM operator_audit ORDER BY seq DESC "
               "LIMIT 1") == [(AUDITOR.name, "player.block", 403)]
    assert admin.get(f"/wallets/{wallet_id}").json["blocked"] is False  # type: ignore[index]


def test_the_table_refuses_update_delete_and_truncate(admin: AdminClient, sql: Sql) -> None:
    admin.wallet()
    for statement in ("UPDATE operator_audit SET reason = 'x'", "DELETE FROM operator_audit",
                      "TRUNCATE operator_audit"):
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            sql(statement)


def _tamper(sql: Sql, statement: str, *params: Any) -> None:
    """What someone with the database owner's rights could do: switch the guard off."""
    sql("ALTER TABLE operator_audit DISABLE TRIGGER USER")
    sql(statement, *params)
    sql("ALTER TABLE operator_audit ENABLE TRIGGER USER")


@pytest.fixture
def played(admin: AdminClient, support: AdminClient, ledger_url: str) -> tuple[int, str]:
    _play(admin, support)
    _play(admin, support)
    found = _verify(ledger_url)
    assert found.ok and found.entries == 8, found.problems
    return found.head


def test_an_intact_chain_verifies(played: tuple[int, str], ledger_url: str) -> None:
    assert _verify(ledger_url, played).ok


def test_a_changed_entry_is_found(played: tuple[int, str], sql: Sql, ledger_url: str) -> None:
    _tamper(sql, "UPDATE operator_audit SET reason = 'nothing to see' WHERE seq = 4")
    found = _verify(ledger_url)
    assert found.problems == ["entry 4: its content does not match its hash (changed)"]


def test_a_changed_entry_with_its_hash_recomputed_breaks_the_next_link(
        played: tuple[int, str], sql: Sql, ledger_url: str) -> None:
    with psycopg.connect(ledger_url) as conn:
        recorded = next(r for r in audit_log.read(conn, audit_log.Filters()) if r.seq == 3)
    forged = audit_log.AuditEntry(**{**recorded.entry.__dict__, "actor_name": "someone-else"})
    new_hash = audit_log.entry_hash(recorded.prev_hash, 3, forged)
    _tamper(sql, "UPDATE operator_audit SET actor_name = 'someone-else', hash = %s "
                 "WHERE seq = 3", new_hash)
    found = _verify(ledger_url)
    assert any(p.startswith("entry 4: does not follow") for p in found.problems)


def test_a_removed_entry_is_found(played: tuple[int, str], sql: Sql, ledger_url: str) -> None:
    _tamper(sql, "DELETE FROM operator_audit WHERE seq = 5")
    found = _verify(ledger_url)
    assert any(p.startswith("entry 6: expected number 5") for p in found.problems)
    assert any(p.startswith("entry 6: does not follow") for p in found.problems)


def test_an_inserted_entry_is_found(played: tuple[int, str], sql: Sql, ledger_url: str) -> None:
    _tamper(sql, "UPDATE operator_audit SET seq = seq + 1000 WHERE seq >= 3")
    _tamper(sql, "UPDATE operator_audit SET seq = seq - 999 WHERE seq >= 1000")
    sql("INSERT INTO operator_audit SELECT 3, at, actor, actor_name, roles, address, request_id,"
        " 'wallet.view', target, outcome, 'inserted', before, after, prev_hash, hash"
        " FROM operator_audit WHERE seq = 2")
    found = _verify(ledger_url)
    assert not found.ok
    assert any(p.startswith("entry 3:") for p in found.problems)


def test_entries_removed_from_the_end_are_found_against_a_head_kept_elsewhere(
        played: tuple[int, str], sql: Sql, ledger_url: str) -> None:
    _tamper(sql, "DELETE FROM operator_audit WHERE seq > 6")
    assert _verify(ledger_url).ok  # a shorter chain is whole in itself...
    found = _verify(ledger_url, played)  # ...but not against the head logged at the append
    assert [p.split(" (entries")[0] for p in found.problems] == [
        f"the head kept elsewhere (entry 8, {played[1][:12]}…) is not in the chain"]


def test_auditors_read_pages_and_csv_and_their_reading_is_recorded(
        played: tuple[int, str], client: FlaskClient, sql: Sql) -> None:
    auditor = AdminClient(client, AUDITOR.token)
    first = auditor.get("/audit?limit=3&action=player.block")
    assert first.status_code == 200, first.get_data(as_text=True)
    body = json_of(first)
    assert [e["action"] for e in body["entries"]] == ["player.block", "player.block"]
    assert body["next"] is None
    page = json_of(auditor.get("/audit?limit=3"))
    assert [e["seq"] for e in page["entries"]] == [1, 2, 3] and page["next"] == 3
    csv_answer = auditor.get("/audit?format=csv&action=wallet.create")
    lines = csv_answer.get_data(as_text=True).splitlines()
    assert csv_answer.mimetype == "text/csv" and lines[0].startswith("seq,at,actor,")
    assert len(lines) == 3
    verified = auditor.post("/audit/verify")
    assert json_of(verified)["ok"] is True and json_of(verified)["entries"] == 11
    assert [r[0] for r in sql("SELECT action FROM operator_audit WHERE actor_name = %s"
                              " ORDER BY seq", AUDITOR.name)] == [
        "audit.view", "audit.view", "audit.view", "audit.verify"]
