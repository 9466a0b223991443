"""Every change lands in its shard's outbox, from the script that makes it, with its fields."""

from __future__ import annotations

from typing import Any

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.store import stream_fields
from tests.support.answers import error_of
from walletsvc.store import RedisClient, keys


def outbox(redis: RedisClient, wallet_id: str) -> list[dict[str, Any]]:
    """Return the fields of every entry of the wallet's shard's outbox, oldest first."""
    return list(stream_fields(redis, keys.outbox(keys.wallet_shard(wallet_id))))


def test_every_kind_of_change_lands_in_the_outbox_of_its_shard(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="10", bonus="5")
    assert gpas.debit(session_id, "12", reference="bet-1").status_code == 200
    assert gpas.credit(session_id, "3", reference="win-1").status_code == 200
    assert gpas.rollback(session_id, "bet-1", reference="rb-1").status_code == 200
    assert error_of(gpas.rollback(session_id, "never-seen", reference="rb-2"))[1] == 1002
    assert admin.post(f"/wallets/{wallet_id}/withdrawals", {
        "amount": "1", "subWallet": "REAL", "reference": "out-1"}).status_code == 200
    admin.post(f"/wallets/{wallet_id}/block", {"reason": "test"})
    admin.post(f"/wallets/{wallet_id}/unblock", {"reason": "test"})
    assert gpas.close(session_id).status_code == 200

    entries = outbox(redis_client, wallet_id)

    assert [e["event"] for e in entries] == [
        "created", "deposit", "deposit", "opened", "debit", "credit", "rollback", "tombstone",
        "withdrawal", "blocked", "unblocked", "closed"]
    assert all(e.get("wallet", e.get("_wallet")) == wallet_id for e in entries)
    debit, rollback, tombstone = entries[4], entries[6], entries[7]
    assert {k: debit[k] for k in ("ref", "amount", "real", "bonus", "real_after", "bonus_after",
                                  "ps", "sid", "type", "game", "provider", "currency")} == {
        "ref": "bet-1", "amount": "1200", "real": "-1000", "bonus": "-200", "real_after": "0",
        "bonus_after": "300", "ps": "BL13GT", "sid": session_id, "type": "GAME_DEBIT",
        "game": "agt-13", "provider": "AGT", "currency": "BRL"}
    assert debit["_fp"] and debit["tags"] == '{"gpasSessionId":"gpas-1","gameid":"agt-13"}'
    assert (rollback["reverses"], rollback["_reversed"], rollback["real"]) == (
        "bet-1", "debit", "1000")
    assert (tombstone["ref"], tombstone["by"]) == ("never-seen", "rb-2")
    assert entries[-1]["_sid"] == session_id


def test_the_outbox_entry_of_a_movement_carries_its_audit_entry_whole(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin)
    gpas.debit(session_id, "2", reference="bet-1")
    last = outbox(redis_client, wallet_id)[-1]
    streamed = stream_fields(redis_client, keys.wallet_stream(wallet_id))[-1]
    assert streamed["ref"] == "bet-1"
    assert {k: v for k, v in last.items() if not k.startswith("_")} == streamed


def test_a_refused_movement_writes_nothing_to_the_outbox(
        gpas: GpasClient, admin: AdminClient, redis_client: RedisClient) -> None:
    wallet_id, session_id = open_session(gpas, admin, real="1")
    before = outbox(redis_client, wallet_id)
    assert error_of(gpas.debit(session_id, "5"))[1] == 1007
    gpas.debit(session_id, "1", reference="bet-1")
    assert error_of(gpas.debit(session_id, "2", reference="bet-1"))[1] == 1003
    assert gpas.debit(session_id, "1", reference="bet-1").status_code == 200  # replayed
    assert [e["event"] for e in outbox(redis_client, wallet_id)[len(before):]] == ["debit"]
