"""GPAS request signatures: ``UPPER(hex(SHA1(input + secret)))`` over the raw bytes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from flask import request

from walletsvc.errors import InvalidSystemIdentifier, SignatureFailed

PARENT_SYSTEM_HEADER = "x-parent-system-id"
SIGNATURE_HEADER = "x-signature"


def sign(signed_input: bytes, secret: str) -> str:
    """Return the signature GPAS sends for ``signed_input``."""
    return hashlib.sha1(signed_input + secret.encode()).hexdigest().upper()  # noqa: S324


def verify_signature(signed_input: bytes, secret: str, signature: str) -> bool:
    """Tell whether ``signature`` is exactly the signature of ``signed_input``, in constant time."""
    return hmac.compare_digest(sign(signed_input, secret).encode(), signature.encode())


def signed_input(body: bytes, query_string: bytes) -> bytes:
    """Pick what is signed: the raw body when there is one, else the raw query string."""
    return body if body else query_string


def authenticate_gpas_request(parent_systems: Mapping[str, str]) -> str:
    """Check the parent system and signature of the current request; return the system id."""
    system_id = request.headers.get(PARENT_SYSTEM_HEADER, "")
    secret = parent_systems.get(system_id)
    if secret is None:
        raise InvalidSystemIdentifier()
    signature = request.headers.get(SIGNATURE_HEADER, "")
    body = request.get_data(cache=True)
    if not verify_signature(signed_input(body, request.query_string), secret, signature):
        raise SignatureFailed()
    return system_id
