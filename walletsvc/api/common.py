"""What every blueprint shares: request loading, responses and access to the domain."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, cast

import simplejson
from flask import Response, current_app, request
from marshmallow import Schema, ValidationError

from walletsvc.api.json_body import parse_json
from walletsvc.config import Config, Network
from walletsvc.domain.clock import Clock
from walletsvc.domain.games import GamesCatalogue
from walletsvc.domain.gpas import GpasWallet
from walletsvc.domain.operator import Operator
from walletsvc.domain.reconciliation import Reconciliation
from walletsvc.errors import AddressNotAllowed, InvalidAmount, InvalidRequest, Unauthorized
from walletsvc.money import Currencies, from_minor
from walletsvc.schemas.fields import AMOUNT_FIELDS
from walletsvc.store import WalletStore

EXTENSION = "walletsvc"


@dataclass(frozen=True)
class Services:
    """The domain objects a running app serves requests with."""

    config: Config
    clock: Clock
    store: WalletStore
    gpas: GpasWallet
    operator: Operator
    reconciliation: Reconciliation
    currencies: Currencies
    games: GamesCatalogue


def services() -> Services:
    """Return the current app's services."""
    return cast(Services, current_app.extensions[EXTENSION])


def money(minor: int, currency: str) -> Decimal:
    """Return minor units of ``currency`` as an exact decimal at its scale."""
    return from_minor(minor, services().currencies.scale(currency))


@cache
def schema_instance(schema: type[Schema]) -> Schema:
    """Return the one instance of ``schema`` every request shares.

    Building a schema deep-copies its declared fields; loading and dumping leave it unchanged,
    so one instance serves every request (and thread) of the process.
    """
    return schema()


def load_args(schema: type[Schema]) -> dict[str, Any]:
    """Validate the query string against ``schema``; a parameter given twice is refused."""
    args = request.args.to_dict(flat=False)
    repeated = sorted(name for name, values in args.items() if len(values) > 1)
    if repeated:
        raise InvalidRequest("parameters given more than once", {"query": repeated})
    return _load(schema, {name: values[0] for name, values in args.items()})


def load_body(schema: type[Schema]) -> dict[str, Any]:
    """Parse the raw body as a JSON object, exactly (see parse_json), and validate it."""
    raw = request.get_data(cache=True)
    if request.mimetype and not request.is_json:
        raise InvalidRequest("the body must be application/json")
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    return _load(schema, data)


def _load(schema_class: type[Schema], data: dict[str, Any]) -> dict[str, Any]:
    schema = schema_instance(schema_class)
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        messages = cast(dict[str, Any], exc.messages)
        # Only a bad amount that was sent is INVALID_AMOUNT; a missing or unknown one is shape.
        if set(messages) <= AMOUNT_FIELDS & set(schema.fields) & set(data):
            raise InvalidAmount(details=messages) from None
        raise InvalidRequest(details=messages) from None
    return loaded


def respond(schema: type[Schema], obj: Any, status: int = 200) -> Response:
    """Dump ``obj`` with ``schema`` as the JSON answer."""
    body = schema_instance(schema).dump(obj)
    return current_app.response_class(
        simplejson.dumps(body, use_decimal=True, separators=(",", ":")),
        status=status,
        mimetype="application/json",
    )


def require_bearer(expected: str) -> None:
    """Refuse the request unless its bearer token is ``expected`` (constant-time compare)."""
    token = bearer_token() or ""
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized()


def require_allowed_address(networks: tuple[Network, ...]) -> None:
    """Refuse the request unless its client address is in ``networks`` (none listed: any).

    The address is the TCP peer, or with WALLETSVC_TRUSTED_PROXY_COUNT set the one ProxyFix
    took from X-Forwarded-For; a header the client wrote itself is never trusted.
    """
    if not networks:
        return
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        raise AddressNotAllowed() from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # a dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d
    if not any(address in network for network in networks):
        raise AddressNotAllowed()


def bearer_token() -> str | None:
    """Return the bearer token of the Authorization header, if any."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None
