"""Finding the primary through Redis Sentinel, and following it when it moves.

``redis+sentinel://[[user]:password@]host:port[,host:port...]/master[/db]`` names the
Sentinels, the master's name and the database; the password in the URL is the data nodes'
one (the Sentinels' own comes from WALLETSVC_REDIS_SENTINEL_PASSWORD). ``rediss+sentinel://``
speaks TLS to the data nodes.

A node that answers READONLY has been demoted to a replica: the command did not run there
(a script is refused at its first write, and every script checks everything before it
writes). The connection is closed, so the next one asks again where the primary is, and the
call is sent once more (``PrimaryDemoted`` is the one error the client retries). The same
holds for a plain ``redis://`` URL whose name a managed Redis moves to the new primary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from redis.connection import AbstractConnection, Connection, SSLConnection
from redis.exceptions import ConnectionError, ReadOnlyError, ResponseError
from redis.sentinel import SentinelManagedConnection, SentinelManagedSSLConnection

from walletsvc.config import ConfigError

SENTINEL_SCHEMES = ("redis+sentinel://", "rediss+sentinel://")
_URL_SHAPE = "redis+sentinel://[password@]host:port[,host:port...]/master[/db]"


class PrimaryDemoted(ConnectionError):
    """The node answered READONLY: it is a replica now, and the command did not run."""


def _demoted(error: ResponseError) -> bool:
    # Redis 7 answers READONLY; Redis 6.2 wraps a script's refused write in a script error.
    return isinstance(error, ReadOnlyError) or "-READONLY " in str(error)


class _FollowsPrimary(AbstractConnection):
    """A connection that turns READONLY into PrimaryDemoted and closes itself."""

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        """Read a reply; on READONLY disconnect, so the next connect finds the primary."""
        try:
            # The plain reader, skipping SentinelManagedConnection's own READONLY handling,
            # which raises a ConnectionError that cannot be told from a lost connection.
            return AbstractConnection.read_response(self, *args, **kwargs)
        except ResponseError as error:
            if not _demoted(error):
                raise
            self.disconnect()  # type: ignore[no-untyped-call]
            raise PrimaryDemoted(f"the node is now a replica: {error}") from None


class PrimaryConnection(_FollowsPrimary, Connection):
    """A TCP connection to a node named by address."""


class PrimarySSLConnection(_FollowsPrimary, SSLConnection):
    """A TLS connection to a node named by address."""


class _AsksSentinels(SentinelManagedConnection):
    """Reconnect through the Sentinels, also when a closed connection is used again.

    redis-py reopens a connection that was closed while in use (as after READONLY, before the
    call is sent again) at its last address; this one asks the Sentinels where the primary is.
    """

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        """Connect through the Sentinels if closed, then send."""
        if not self._sock:
            self.connect()  # type: ignore[no-untyped-call]
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]


class SentinelPrimaryConnection(_FollowsPrimary, _AsksSentinels):
    """A TCP connection to whichever node the Sentinels call the primary."""


class SentinelPrimarySSLConnection(_FollowsPrimary, _AsksSentinels,
                                   SentinelManagedSSLConnection):
    """A TLS connection to whichever node the Sentinels call the primary."""


@dataclass(frozen=True)
class SentinelTarget:
    """What a ``redis+sentinel://`` URL names: ``user:password@`` is the data nodes' login."""

    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: bool = False


def is_sentinel_url(url: str) -> bool:
    """Tell whether ``url`` names Sentinels (``redis+sentinel://``)."""
    return url.startswith(SENTINEL_SCHEMES)


def parse_sentinel_url(url: str) -> SentinelTarget:
    """Read a ``redis+sentinel://`` URL; raise ConfigError naming what is wrong."""
    scheme, _, rest = url.partition("://")
    if "?" in rest or "#" in rest:
        raise ConfigError(f"WALLETSVC_REDIS_URL takes no query or fragment: {_URL_SHAPE}")
    location, _, path = rest.partition("/")
    credentials, _, hosts = location.rpartition("@")
    username, _, password = credentials.partition(":")
    parts = [part for part in path.split("/") if part]
    if not parts or len(parts) > 2:
        raise ConfigError(f"WALLETSVC_REDIS_URL must name the master: {_URL_SHAPE}")
    if len(parts) == 2 and not parts[1].isdigit():
        raise ConfigError(f"WALLETSVC_REDIS_URL: the database must be a number, got {parts[1]!r}")
    return SentinelTarget(
        sentinels=tuple(_address(item) for item in hosts.split(",")),
        master=unquote(parts[0]),
        db=int(parts[1]) if len(parts) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
        tls=scheme == "rediss+sentinel",
    )


def _address(item: str) -> tuple[str, int]:
    host, _, port = item.strip().rpartition(":")
    host = host.strip("[]")  # an IPv6 address is written [::1]:26379
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"WALLETSVC_REDIS_URL: each Sentinel must be host:port, got {item!r}")
    return host, int(port)
