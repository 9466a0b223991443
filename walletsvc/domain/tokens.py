"""Launch tokens: opaque ones we issue, and JWTs signed by the operator's own portal."""

from __future__ import annotations

import re

import jwt

from walletsvc.errors import InvalidAuthToken, InvalidWalletId
from walletsvc.models import LaunchToken

MAX_TOKEN_LENGTH = 100
_OPAQUE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_LEEWAY_SECONDS = 5


class TokenVerifier:
    """Turn a bearer token into a LaunchToken bound to one wallet, or refuse it."""

    def __init__(self, jwt_algorithm: str, jwt_key: str | None) -> None:
        self._algorithm = jwt_algorithm
        self._key = jwt_key

    def verify(self, token: str, wallet_id: str, now_ms: int) -> LaunchToken:
        """Check the token's form (and a JWT's signature and claims) for ``wallet_id``."""
        if token.count(".") == 2:
            return self._verify_jwt(token, wallet_id, now_ms)
        if not _OPAQUE.fullmatch(token):
            raise InvalidAuthToken()
        return LaunchToken("opaque", token)

    def _verify_jwt(self, token: str, wallet_id: str, now_ms: int) -> LaunchToken:
        if self._key is None or len(token) > 4096:
            raise InvalidAuthToken()
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],
                # Expiry is checked below against the service's clock, like every other time.
                options={"require": ["exp", "jti", "walletId"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise InvalidAuthToken() from None
        jti, exp = claims["jti"], claims["exp"]
        if not isinstance(jti, str) or not jti or len(jti) > MAX_TOKEN_LENGTH:
            raise InvalidAuthToken()
        if not isinstance(exp, int) or exp + _LEEWAY_SECONDS <= now_ms // 1000:
            raise InvalidAuthToken()
        if claims["walletId"] != wallet_id:
            raise InvalidWalletId()
        # The used-id record must outlive the token, so a replay is refused until it expires.
        ttl_ms = (int(exp) + _LEEWAY_SECONDS) * 1000 - now_ms
        return LaunchToken("jwt", jti, max(ttl_ms, 1000))
