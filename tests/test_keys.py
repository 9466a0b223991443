"""Ids the store makes: movement ids and session ids are random version 4 UUIDs."""

from __future__ import annotations

import uuid

from walletsvc.store import keys


def test_a_movement_id_is_a_random_version_4_uuid_in_its_usual_text() -> None:
    made = [keys.new_id() for _ in range(5_000)]
    assert len(set(made)) == len(made)
    for text in made:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == text
    # every variant digit a UUID 4 may have turns up: the random bits are not held back
    assert {text[19] for text in made} == set("89ab")


def test_a_session_id_starts_with_its_wallets_shard_and_is_a_version_4_uuid() -> None:
    session_id = keys.new_session_id("wallet-1")
    assert session_id[:2] == keys.wallet_shard("wallet-1")
    assert keys.session_shard(session_id) == keys.wallet_shard("wallet-1")
    assert uuid.UUID(session_id).version == 4
