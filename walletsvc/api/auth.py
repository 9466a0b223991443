"""Who may call: bearer keys and the GPAS address allow-list."""

from __future__ import annotations

import hmac
import ipaddress

from flask import request

from walletsvc.config import Network
from walletsvc.errors import AddressNotAllowed, ApiKeyRejected


def require_bearer(expected: str) -> None:
    """Refuse the request unless its bearer token is ``expected`` (constant-time compare)."""
    token = bearer_token() or ""
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise ApiKeyRejected()


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
