"""GPAS request signatures: ``UPPER(hex(SHA1(input + secret)))`` over the raw bytes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence

from walletsvc.context import current_request
from walletsvc.errors import InvalidSystemIdentifier, SignatureFailed

PARENT_SYSTEM_HEADER = "x-parent-system-id"
SIGNATURE_HEADER = "x-signature"
_PARENT_SYSTEM_KEY, _SIGNATURE_KEY = (
    "HTTP_" + name.upper().replace("-", "_") for name in (PARENT_SYSTEM_HEADER, SIGNATURE_HEADER))


def sign(signed_input: bytes, secret: str) -> str:
    """Return the signature GPAS sends for ``signed_input``."""
    return hashlib.sha1(signed_input + secret.encode()).hexdigest().upper()  # noqa: S324


def verify_signature(signed_input: bytes, secret: str, signature: str) -> bool:
    """Tell whether ``signature`` is exactly the signature of ``signed_input``, in constant time."""
    return hmac.compare_digest(sign(signed_input, secret).encode(), signature.encode())


def signed_input(body: bytes, query_string: bytes) -> bytes:
    """Pick what is signed: the raw body when there is one, else the raw query string."""
    return body if body else query_string


def authenticate_gpas_request(parent_systems: Mapping[str, Sequence[str]]) -> str:
    """Check the parent system and signature of the current request; return the system id.

    During a secret rotation a parent system has two secrets, and a signature with either is
    accepted; both are always compared, so the time taken does not say which one matched.
    """
    asked = current_request()
    environ = asked.environ  # the headers read from it directly, without werkzeug's lookup
    system_id: str = environ.get(_PARENT_SYSTEM_KEY, "")
    secrets = parent_systems.get(system_id)
    if secrets is None:
        raise InvalidSystemIdentifier()
    signature = environ.get(_SIGNATURE_KEY, "")
    signed = signed_input(asked.get_data(cache=True), asked.query_string)
    if not any([verify_signature(signed, secret, signature) for secret in secrets]):
        raise SignatureFailed()
    return system_id
