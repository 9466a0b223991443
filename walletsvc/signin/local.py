"""Local sign-in: a password (argon2id) and, always with it, a TOTP code (RFC 6238).

A code is good in its 30-second step and the steps either side (a phone's clock drifts), and
only once: the step of the code that signed an operator in is kept, and a code of that step or
an earlier one is refused after it (``Accounts.use_totp_step``), so a code seen over a shoulder
or in a log cannot sign in again. An unknown name costs the same argon2 work as a known one, so
the answer's time does not tell which names exist.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from walletsvc.access.directory import Directory, Operator
from walletsvc.signin.accounts import Accounts

# argon2-cffi's defaults: argon2id with RFC 9106's low-memory profile (3 passes over 64 MiB).
_HASHER = PasswordHasher()
TOTP_ISSUER = "walletsvc"  # what an authenticator app shows beside the name
TOTP_STEP_S = 30
TOTP_WINDOW = 1  # steps either side of the current one
PASSWORD_MIN_LENGTH = 12


@dataclass(frozen=True)
class Attempt:
    """What a local sign-in found: the operator, or why it failed (for the audit log only)."""

    operator: Operator | None
    reason: str
    target: str = ""


def hash_password(password: str) -> str:
    """Return the argon2id hash of ``password`` (its salt and parameters inside)."""
    return _HASHER.hash(password)


def new_totp_secret() -> str:
    """Draw a TOTP secret: 160 random bits in base32, as authenticator apps take it."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, name: str) -> str:
    """Return the otpauth:// URI an authenticator app reads (as a QR code or pasted)."""
    return pyotp.TOTP(secret, interval=TOTP_STEP_S).provisioning_uri(name=name,
                                                                    issuer_name=TOTP_ISSUER)


def totp_code(secret: str, at_ms: int) -> str:
    """Return the code of ``secret`` at ``at_ms`` (what the operator's app shows then)."""
    return pyotp.TOTP(secret, interval=TOTP_STEP_S).generate_otp(at_ms // 1000 // TOTP_STEP_S)


def matching_step(secret: str, code: str, now_ms: int) -> int | None:
    """Return the time step near ``now_ms`` whose code is ``code`` (None: none is)."""
    totp = pyotp.TOTP(secret, interval=TOTP_STEP_S)
    current = now_ms // 1000 // TOTP_STEP_S
    sent = code.strip().replace(" ", "").encode()
    for step in range(current - TOTP_WINDOW, current + TOTP_WINDOW + 1):
        if hmac.compare_digest(sent, totp.generate_otp(step).encode()):
            return step
    return None


@functools.cache
def _decoy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def attempt(directory: Directory, name: str, password: str, code: str, now_ms: int) -> Attempt:
    """Check a local sign-in; on success the code's step is used up (the caller commits)."""
    found = directory.local_credentials(name)
    if found is None:
        _password_matches(_decoy_hash(), password)  # the same work as for a known name
        return Attempt(None, "no operator of that name signs in with a password")
    operator, password_hash, secret = found
    target = f"operator:{operator.id}"
    if not _password_matches(password_hash, password):
        return Attempt(None, "wrong password", target)
    step = matching_step(secret, code, now_ms)
    if step is None:
        return Attempt(None, "wrong TOTP code", target)
    if operator.disabled or operator.kind != "person":
        return Attempt(None, f"the operator is {'disabled' if operator.disabled else 'a service'}",
                       target)
    if not Accounts(directory.conn).use_totp_step(operator, step):
        return Attempt(None, "TOTP code already used (replayed)", target)
    return Attempt(operator, "", target)
