"""WALLETSVC_REDIS_KEY_PREFIX: every key the service writes starts with it, so two installations
share one Redis without sharing a key (tests/test_config.py: the prefixes refused)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from devkit.admin import AdminClient, open_session
from devkit.gpas import GpasClient
from devkit.store import initialise
from walletsvc.store import RedisClient, keys


@pytest.fixture(autouse=True)
def no_prefix_after() -> Iterator[None]:
    """The prefix is the process's: leave none behind for the next test."""
    yield
    keys.use_prefix("")


def _play(app: Flask) -> str:
    """Fund a wallet, bet and win on it; return the wallet id."""
    client = app.test_client()
    gpas, admin = GpasClient(client), AdminClient(client)
    wallet_id, session_id = open_session(gpas, admin, real="50")
    assert gpas.debit(session_id, "10", "bet-1").status_code == 200
    assert gpas.credit(session_id, "25", "win-1").status_code == 200
    return wallet_id


def test_every_key_starts_with_the_prefix_and_two_prefixes_share_one_redis(
        make_app: Callable[..., Flask], redis_client: RedisClient) -> None:
    before = set(redis_client.scan_iter(count=1000))
    first = make_app(redis_key_prefix="casino-a:")
    initialise(redis_client)  # a new store for this prefix: its own markers
    wallet_a = _play(first)
    written = set(redis_client.scan_iter(count=1000)) - before
    assert written and all(key.startswith("casino-a:") for key in written)
    assert keys.wallet(wallet_a) in written

    second = make_app(redis_key_prefix="casino-b:")
    initialise(redis_client)
    wallet_b = _play(second)
    client = second.test_client()
    assert AdminClient(client).get(f"/wallets/{wallet_a}").status_code == 404  # not b's
    assert AdminClient(client).get(f"/wallets/{wallet_b}").status_code == 200
    assert {key for key in set(redis_client.scan_iter(count=1000)) - before - written
            if not key.startswith("casino-b:")} == set()
