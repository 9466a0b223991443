"""The mitigations of docs/threat-model.md: allow-list, proxies, separate keys, constant time,
operator tokens kept and looked up only as their hashes."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from devkit.gpas import GpasClient
from devkit.operators import PLATFORM_TOKEN
from devkit.settings import SECRET
from tests.support.answers import assert_error_shape, assert_refused
from tests.support.calls import ENDPOINTS, Live, endpoint_call, send
from tests.support.store import snapshot
from walletsvc.access import directory
from walletsvc.signing import sign
from walletsvc.store import RedisClient

GPAS_ADDRESSES = "198.51.100.7, 203.0.113.0/24, 2001:db8::/32"
REFUSED = (403, 1010, "ADDRESS_NOT_ALLOWED")
RECONCILIATION_QUERY = "/reconciliation?date_from=2026-09-21&date_to=2026-09-21"


def networks(text: str) -> tuple[Any, ...]:
    """Parse an allow-list as the settings do."""
    return tuple(ipaddress.ip_network(item.strip()) for item in text.split(","))


class FromAddress:
    """Flask's test client, with every request arriving from ``address`` (a GPAS transport)."""

    def __init__(self, app: Flask, address: str) -> None:
        self.client = app.test_client()
        self.address = address

    def open(self, path: str, *, method: str, data: bytes, headers: dict[str, str]
             ) -> TestResponse:
        """Send one request from ``address``."""
        return self.client.open(path, method=method, data=data, headers=headers,
                                environ_base={"REMOTE_ADDR": self.address})


def from_address(app: Flask, address: str) -> GpasClient:
    """Return a GPAS client whose signed calls arrive from ``address``."""
    return GpasClient(FromAddress(app, address))


@pytest.fixture
def guarded(make_app: Callable[..., Flask]) -> Flask:
    """The app with the GPAS allow-list set, sharing the store with ``live``."""
    return make_app(gpas_allowed_ips=networks(GPAS_ADDRESSES))


# The allow-list --------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["198.51.100.7", "203.0.113.1", "203.0.113.254",
                                     "2001:db8::1", "::ffff:203.0.113.9"])
def test_listed_address_is_served(guarded: Flask, live: Live, address: str) -> None:
    response = send(from_address(guarded, address), endpoint_call("balance", live))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("address", ["198.51.100.8", "203.0.114.1", "10.0.0.1", "127.0.0.1",
                                     "2001:db9::1", "::1", "::ffff:10.0.0.1"])
@pytest.mark.parametrize("name", ENDPOINTS)
def test_unlisted_address_is_refused_on_every_gpas_route_and_changes_nothing(
        guarded: Flask, live: Live, redis_client: RedisClient, name: str,
        address: str) -> None:
    call = endpoint_call(name, live)
    assert_refused(redis_client, lambda: send(from_address(guarded, address), call), REFUSED)


def test_address_is_checked_before_the_parent_system(guarded: Flask,
                                                     redis_client: RedisClient) -> None:
    client = guarded.test_client()
    assert_refused(redis_client, lambda: client.get(
        "/wallets/balance?walletSessionId=x", environ_base={"REMOTE_ADDR": "10.0.0.1"}),
        REFUSED)


def test_reconciliation_is_refused_from_an_unlisted_address_even_with_its_key(
        guarded: Flask) -> None:
    client = guarded.test_client()
    key = {"Authorization": "Bearer reconciliation-key"}
    outside = client.get(RECONCILIATION_QUERY, headers=key,
                         environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert_error_shape(outside, REFUSED)
    inside = client.get(RECONCILIATION_QUERY, headers=key,
                        environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert inside.status_code == 200


def test_admin_api_and_health_are_not_behind_the_gpas_allow_list(guarded: Flask) -> None:
    client = guarded.test_client()
    outside = {"REMOTE_ADDR": "10.0.0.1"}
    created = client.post("/admin/wallets", json={"playerId": "p", "currency": "BRL"},
                          headers={"Authorization": f"Bearer {PLATFORM_TOKEN}"},
                          environ_base=outside)
    assert created.status_code == 201
    assert client.get("/healthz", environ_base=outside).status_code == 200


def test_without_an_allow_list_any_address_is_served(app: Flask, live: Live) -> None:
    assert send(from_address(app, "192.0.2.99"), endpoint_call("balance", live)).status_code == 200


# Behind proxies: X-Forwarded-For is trusted only as far as our own proxies wrote it ---------

@pytest.mark.parametrize(("proxies", "forwarded_for", "served"), [
    (0, "198.51.100.7", False),                  # no proxy trusted: the header is the client's
    (1, "198.51.100.7", True),                   # our proxy saw GPAS
    (1, "198.51.100.7, 10.9.9.9", False),        # the client forged the first entry
    (1, None, False),                            # no header: the TCP peer, our proxy
    (2, "10.9.9.9, 198.51.100.7, 10.0.0.2", True),   # forged entry left of what we appended
    (2, "198.51.100.7", False),                  # fewer entries than proxies: not trusted
])
def test_client_address_comes_from_the_trusted_proxies_only(
        make_app: Callable[..., Flask], live: Live, proxies: int,
        forwarded_for: str | None, served: bool) -> None:
    app = make_app(gpas_allowed_ips=networks(GPAS_ADDRESSES), trusted_proxy_count=proxies)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    call = endpoint_call("balance", live)
    response = from_address(app, "10.0.0.1").call(call.method, call.path, call.query,
                                                  headers=headers)
    if served:
        assert response.status_code == 200, response.get_data(as_text=True)
    else:
        assert_error_shape(response, REFUSED)


# Separate keys -----------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "key"), [
    (RECONCILIATION_QUERY, PLATFORM_TOKEN),
    (RECONCILIATION_QUERY, SECRET),
    ("/admin/wallets/nope", "reconciliation-key"),
    ("/admin/wallets/nope", SECRET),
])
def test_each_key_opens_only_its_own_api(app: Flask, redis_client: RedisClient, path: str,
                                         key: str) -> None:
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {key}"}
    assert_refused(redis_client, lambda: client.get(path, headers=bearer),
                   (401, 1010, "UNAUTHORIZED"))


# Constant-time comparisons -------------------------------------------------------------------

@pytest.fixture
def compared(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Record every hmac.compare_digest call (and still compare)."""
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def test_signature_is_compared_in_constant_time(gpas: GpasClient, live: Live,
                                                compared: list[tuple[bytes, bytes]]) -> None:
    call = endpoint_call("balance", live)
    expected = sign(call.query.encode(), SECRET)
    send(gpas, call, signature=lambda _: "F" * 40)
    assert (expected.encode(), b"F" * 40) in compared


def test_the_reconciliation_key_is_compared_in_constant_time(
        app: Flask, compared: list[tuple[bytes, bytes]]) -> None:
    app.test_client().get(RECONCILIATION_QUERY, headers={"Authorization": "Bearer guess"})
    assert (b"guess", b"reconciliation-key") in compared


def test_an_operator_token_is_looked_up_by_its_hash_never_compared_as_text(
        app: Flask, compared: list[tuple[bytes, bytes]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The directory stores and searches SHA-256 hashes of tokens: how long a search takes says
    # something about a hash, nothing about a token (walletsvc/access/directory.py).
    hashed: list[str] = []
    original = directory.token_hash

    def spy(token: str) -> bytes:
        hashed.append(token)
        return original(token)

    monkeypatch.setattr(directory, "token_hash", spy)
    guess = "wso_" + "g" * 43
    response = app.test_client().get("/admin/wallets/nope",
                                     headers={"Authorization": f"Bearer {guess}"})
    assert_error_shape(response, (401, 1010, "UNAUTHORIZED"))
    assert hashed == [guess]
    assert all(guess not in str(side) for pair in compared for side in pair)  # bytes or text


# Size limits ------------------------------------------------------------------

def test_body_over_the_limit_on_a_query_signed_call_answers_413_and_changes_nothing(
        gpas: GpasClient, live: Live, redis_client: RedisClient) -> None:
    before = snapshot(redis_client)
    response = gpas.call("GET", "/wallets/balance", f"walletSessionId={live.session_id}",
                         b"x" * (16 * 1024 + 1))
    assert_error_shape(response, (413, 1010, "PAYLOAD_TOO_LARGE"))
    assert snapshot(redis_client) == before
