"""Settings, read once at start-up from ``WALLETSVC_*`` variables (optionally a file)."""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from walletsvc.money import BUILTIN_SCALES, AmountError, parse_decimal

PREFIX = "WALLETSVC_"
DuplicateReply = Literal["refuse", "replay"]
WAITAOF_TARGETS = ("local", "replicas")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """A setting is missing or malformed; the service must not start."""


@dataclass(frozen=True)
class Config:
    """Every setting the service reads, each named as its variable without ``WALLETSVC_``.

    Defaults are the safe ones.
    """

    # Each parent system's secrets: the current one, and during a rotation the next one too.
    parent_systems: Mapping[str, tuple[str, ...]]
    reconciliation_api_key: str
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_cluster: bool = False
    # Put before every key (store/keys.py), so several installations can share one Redis.
    redis_key_prefix: str = ""
    # WALLETSVC_ADMIN_API_KEY is still set: the shared key is retired and opens nothing;
    # the operator's process warns at start (docs/operators.md, "From the shared admin key").
    retired_admin_key: bool = False
    redis_timeout_ms: int = 2000
    # The Sentinels' own login, for a redis+sentinel:// URL (the URL's is the data nodes').
    redis_sentinel_username: str | None = None
    redis_sentinel_password: str | None = None
    # Writes are answered only once this many replicas have them (WAIT), within the timeout.
    redis_min_replicas: int = 0
    redis_replica_timeout_ms: int = 500
    # WAITAOF (Redis 7.2+): also wait for the append-only file's fsync, locally and/or on the
    # replicas.
    redis_waitaof: tuple[str, ...] = ()
    # Requests one worker serves at once (walletsvc.admission), and how long one more waits
    # for its turn before it is refused with 503 OVERLOADED.
    max_in_flight: int = 32
    admission_wait_ms: int = 500
    session_idle_seconds: int = 30 * 60
    session_max_seconds: int = 24 * 60 * 60
    late_settlement_seconds: int = 0
    retention_days: int = 120
    duplicate_reply: DuplicateReply = "replay"
    launch_token_ttl_seconds: int = 5 * 60
    jwt_algorithm: str = "HS256"
    jwt_key: str | None = None
    games_catalogue: Path | None = None
    currency_scales: Mapping[str, int] = field(default_factory=dict)
    wallet_code: str = "CASINO"
    max_body_bytes: int = 16 * 1024
    # Empty: GPAS routes answer any address. Else only these (GPAS publishes its addresses).
    gpas_allowed_ips: tuple[Network, ...] = ()
    # Proxies in front that append to X-Forwarded-For; 0: the TCP peer is the client.
    trusted_proxy_count: int = 0
    metrics_token: str | None = None
    # The ledger (walletsvc.ledger): PostgreSQL, needed by the exporter and the reports only.
    ledger_url: str | None = None
    ledger_retention_years: int = 5
    # Player protection (docs/player-protection.md): the zone of calendar periods, how long a
    # higher limit or a removal waits, how long an indefinite pause lasts at least, the limit
    # kinds a wallet must have to open a session, what each refusal is sent as, and the
    # language of the messages a player is shown.
    protection_time_zone: str = "America/Sao_Paulo"
    limit_cooling_off_seconds: int = 24 * 60 * 60
    indefinite_pause_minimum_days: int = 183
    required_limits: tuple[str, ...] = ()
    protection_answers: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    player_language: str = "en"
    # Manual money (walletsvc/approvals, docs/money-requests.md): per currency, the largest
    # amount an approver with the finance role may approve; above it, or in a currency not
    # listed, only finance_lead approves (none listed: every request needs finance_lead). And
    # how long a request waits for its approver before it closes as expired.
    approval_limits: Mapping[str, Decimal] = field(default_factory=dict)
    money_request_hours: int = 72
    # Operators signing in (walletsvc/signin, docs/signin.md): the key that signs the session
    # cookie (unset: nobody signs in, API tokens still work), the OpenID Connect provider and
    # this service's client there (all three or none), the callback URL the provider sends
    # people back to (unset: built from the request), how long a session may sit idle and how
    # long it lasts at most, and whether browsers reach the operator's process over plain http
    # on loopback (`make run`), which drops the cookie's Secure flag.
    secret_key: str | None = field(default=None, repr=False)
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = field(default=None, repr=False)
    oidc_redirect_url: str | None = None
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # An approval of money in the console needs a sign-in at most this long ago.
    approval_signin_minutes: int = 15
    operator_plain_http: bool = False

    @property
    def retention_ms(self) -> int:
        """Return the audit retention period in milliseconds."""
        return self.retention_days * 86_400_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the settings from the environment, then from ``WALLETSVC_CONFIG_FILE``."""
        env = dict(os.environ if environ is None else environ)
        file_name = env.get(PREFIX + "CONFIG_FILE")
        if file_name:
            env = {**read_env_file(Path(file_name)), **env}
        return _build(_Reader(env))


class _Reader:
    """Typed access to the ``WALLETSVC_*`` variables, with clear errors."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def secret(self, name: str) -> str:
        value = self._env.get(PREFIX + name, "")
        if not value.strip():
            raise ConfigError(f"{PREFIX}{name} is not set; the service cannot start without it")
        return value

    def text(self, name: str, default: str) -> str:
        return self._env.get(PREFIX + name, default)

    def optional(self, name: str) -> str | None:
        return self._env.get(PREFIX + name) or None

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self._env.get(PREFIX + name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{PREFIX}{name} must be at least {minimum}")
        return value

    def json_object(self, name: str, required: bool, exact: bool = False) -> dict[str, object]:
        """Read a JSON object; ``exact`` reads its fractional numbers as decimals, not floats."""
        raw = self.secret(name) if required else self._env.get(PREFIX + name, "{}") or "{}"
        try:
            value = json.loads(raw, parse_float=Decimal if exact else float)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name} must be a JSON object") from None
        if not isinstance(value, dict) or (required and not value):
            raise ConfigError(f"{PREFIX}{name} must be a non-empty JSON object")
        return value

    def networks(self, name: str) -> tuple[Network, ...]:
        """Read comma-separated addresses and CIDR blocks; unset or empty gives none."""
        items = [item.strip() for item in self._env.get(PREFIX + name, "").split(",")]
        try:
            return tuple(ipaddress.ip_network(item) for item in items if item)
        except ValueError as exc:
            raise ConfigError(f"{PREFIX}{name} must list addresses or CIDR blocks: {exc}"
                              ) from None


# No braces (a hash tag in the prefix would put every key in one cluster slot) and nothing
# that SCAN would read as a pattern.
_KEY_PREFIX = re.compile(r"[A-Za-z0-9_.:-]{0,64}")


def _key_prefix(prefix: str) -> str:
    if not _KEY_PREFIX.fullmatch(prefix):
        raise ConfigError(f"{PREFIX}REDIS_KEY_PREFIX holds at most 64 of A-Z a-z 0-9 _ . : - "
                          f"(got {prefix!r})")
    return prefix


def _build(read: _Reader) -> Config:
    parent_systems = _secrets(read.json_object("PARENT_SYSTEMS", required=True))
    duplicate_reply = read.text("DUPLICATE_REPLY", "replay")
    if duplicate_reply not in ("refuse", "replay"):
        raise ConfigError(f"{PREFIX}DUPLICATE_REPLY must be 'refuse' or 'replay'")
    scales = read.json_object("CURRENCY_SCALES", required=False)
    # bool is an int in Python: `true` must not pass as scale 1.
    if not all(type(v) is int and 0 <= v <= 8 for v in scales.values()):
        raise ConfigError(f"{PREFIX}CURRENCY_SCALES must map codes to scales from 0 to 8")
    _check_keys_differ(read.secret("RECONCILIATION_API_KEY"),
                       [secret for secrets in parent_systems.values() for secret in secrets])
    jwt_algorithm = read.text("JWT_ALGORITHM", Config.jwt_algorithm)
    if jwt_algorithm not in ("HS256", "RS256"):
        raise ConfigError(f"{PREFIX}JWT_ALGORITHM must be HS256 or RS256")
    catalogue = read.optional("GAMES_CATALOGUE")
    jwt_key_file = read.optional("JWT_KEY_FILE")
    jwt_key = Path(jwt_key_file).read_text() if jwt_key_file else read.optional("JWT_KEY")
    timeout_ms = read.integer("REDIS_TIMEOUT_MS", Config.redis_timeout_ms, 10)
    min_replicas, replica_timeout_ms, waitaof = _replication(read, timeout_ms)
    return Config(
        parent_systems=parent_systems,
        retired_admin_key=read.optional("ADMIN_API_KEY") is not None,
        reconciliation_api_key=read.secret("RECONCILIATION_API_KEY"),
        redis_url=read.text("REDIS_URL", Config.redis_url),
        redis_cluster=read.text("REDIS_CLUSTER", "0").lower() in ("1", "true", "yes"),
        redis_key_prefix=_key_prefix(read.text("REDIS_KEY_PREFIX", "")),
        redis_timeout_ms=timeout_ms,
        redis_sentinel_username=read.optional("REDIS_SENTINEL_USERNAME"),
        redis_sentinel_password=read.optional("REDIS_SENTINEL_PASSWORD"),
        redis_min_replicas=min_replicas,
        redis_replica_timeout_ms=replica_timeout_ms,
        redis_waitaof=waitaof,
        max_in_flight=read.integer("MAX_IN_FLIGHT", Config.max_in_flight, 1),
        admission_wait_ms=read.integer("ADMISSION_WAIT_MS", Config.admission_wait_ms),
        session_idle_seconds=read.integer("SESSION_IDLE_SECONDS", Config.session_idle_seconds, 1),
        session_max_seconds=read.integer("SESSION_MAX_SECONDS", Config.session_max_seconds, 1),
        late_settlement_seconds=read.integer("LATE_SETTLEMENT_SECONDS", 0),
        retention_days=read.integer("RETENTION_DAYS", Config.retention_days, 1),
        duplicate_reply="refuse" if duplicate_reply == "refuse" else "replay",
        launch_token_ttl_seconds=read.integer(
            "LAUNCH_TOKEN_TTL_SECONDS", Config.launch_token_ttl_seconds, 1
        ),
        jwt_algorithm=jwt_algorithm,
        jwt_key=jwt_key,
        games_catalogue=Path(catalogue) if catalogue else None,
        currency_scales={str(k).upper(): int(str(v)) for k, v in scales.items()},
        wallet_code=read.text("WALLET_CODE", Config.wallet_code),
        max_body_bytes=read.integer("MAX_BODY_BYTES", Config.max_body_bytes, 1024),
        gpas_allowed_ips=read.networks("GPAS_ALLOWED_IPS"),
        trusted_proxy_count=read.integer("TRUSTED_PROXY_COUNT", 0),
        metrics_token=read.optional("METRICS_TOKEN"),
        ledger_url=read.optional("LEDGER_URL"),
        ledger_retention_years=read.integer(
            "LEDGER_RETENTION_YEARS", Config.ledger_retention_years, 1),
        **_protection(read),
        **_approvals(read, scales),
        **_signin(read),
    )


def _protection(read: _Reader) -> dict[str, Any]:
    """Read the player-protection settings; the domain checks their names and answers when it is
    built (walletsvc/domain/protection/service.py), so that a typo stops the start."""
    zone = read.text("PROTECTION_TIME_ZONE", Config.protection_time_zone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{PREFIX}PROTECTION_TIME_ZONE: no time zone {zone!r}") from None
    raw = read.text("REQUIRED_LIMITS", "")
    required = tuple(item.strip().lower() for item in raw.split(",") if item.strip())
    answers = read.json_object("PROTECTION_ANSWERS", required=False)
    language = read.text("PLAYER_LANGUAGE", Config.player_language)
    return {
        "protection_time_zone": zone,
        "limit_cooling_off_seconds": read.integer(
            "LIMIT_COOLING_OFF_SECONDS", Config.limit_cooling_off_seconds),
        "indefinite_pause_minimum_days": read.integer(
            "INDEFINITE_PAUSE_MINIMUM_DAYS", Config.indefinite_pause_minimum_days),
        "required_limits": required,
        "protection_answers": answers,
        "player_language": language,
    }


def _approvals(read: _Reader, scales: Mapping[str, object]) -> dict[str, Any]:
    """Read the approval limit of each currency (exact decimals) and a request's lifetime."""
    known = {*BUILTIN_SCALES, *(str(code).upper() for code in scales)}
    limits: dict[str, Decimal] = {}
    for code, raw in read.json_object("APPROVAL_LIMITS", required=False, exact=True).items():
        if code.upper() not in known:
            raise ConfigError(f"{PREFIX}APPROVAL_LIMITS: {code!r} is not a currency this "
                              f"service knows ({', '.join(sorted(known))})")
        try:
            limits[code.upper()] = parse_decimal(raw)
        except AmountError as exc:
            raise ConfigError(f"{PREFIX}APPROVAL_LIMITS: the limit of {code} {exc}") from None
    return {
        "approval_limits": limits,
        "money_request_hours": read.integer(
            "MONEY_REQUEST_HOURS", Config.money_request_hours, 1),
    }
# Long enough that the cookie's signature cannot be guessed: 32 characters (256 bits as hex).
SECRET_KEY_MIN_LENGTH = 32


def _signin(read: _Reader) -> dict[str, Any]:
    """Read the operators' sign-in settings (docs/signin.md)."""
    secret_key = read.optional("SECRET_KEY")
    if secret_key is not None and len(secret_key) < SECRET_KEY_MIN_LENGTH:
        raise ConfigError(f"{PREFIX}SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} "
                          "characters (e.g. `python -c 'import secrets; "
                          "print(secrets.token_hex(32))'`)")
    oidc = {name: read.optional(f"OIDC_{name.upper()}")
            for name in ("issuer", "client_id", "client_secret")}
    if any(oidc.values()) and not all(oidc.values()):
        raise ConfigError(f"{PREFIX}OIDC_ISSUER, {PREFIX}OIDC_CLIENT_ID and "
                          f"{PREFIX}OIDC_CLIENT_SECRET are set together or not at all")
    plain_http = read.text("OPERATOR_PLAIN_HTTP", "0").lower() in ("1", "true", "yes")
    redirect_url = read.optional("OIDC_REDIRECT_URL")
    if oidc["issuer"] and not _secure_or_loopback(oidc["issuer"]):
        raise ConfigError(f"{PREFIX}OIDC_ISSUER must be an https:// URL (plain http only on "
                          "loopback)")
    if redirect_url and not (redirect_url.startswith("https://") or plain_http):
        raise ConfigError(f"{PREFIX}OIDC_REDIRECT_URL must be an https:// URL, unless "
                          f"{PREFIX}OPERATOR_PLAIN_HTTP=1")
    idle = read.integer("SESSION_IDLE_MINUTES", Config.session_idle_minutes, 1)
    longest = read.integer("SESSION_MAX_HOURS", Config.session_max_hours, 1)
    if idle > longest * 60:
        raise ConfigError(f"{PREFIX}SESSION_IDLE_MINUTES must not exceed "
                          f"{PREFIX}SESSION_MAX_HOURS")
    fresh = read.integer("APPROVAL_SIGNIN_MINUTES", Config.approval_signin_minutes, 1)
    return {"secret_key": secret_key, "oidc_issuer": oidc["issuer"],
            "oidc_client_id": oidc["client_id"], "oidc_client_secret": oidc["client_secret"],
            "oidc_redirect_url": redirect_url, "session_idle_minutes": idle,
            "session_max_hours": longest, "approval_signin_minutes": fresh,
            "operator_plain_http": plain_http}


def _secure_or_loopback(url: str) -> bool:
    """Tell whether ``url`` is https, or plain http to this host (a development provider)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return parts.scheme == "http" and loopback


def _replication(read: _Reader, timeout_ms: int) -> tuple[int, int, tuple[str, ...]]:
    """Read what writes wait for: replicas, within a timeout, and WAITAOF's fsyncs."""
    min_replicas = read.integer("REDIS_MIN_REPLICAS", Config.redis_min_replicas)
    replica_timeout_ms = read.integer("REDIS_REPLICA_TIMEOUT_MS", Config.redis_replica_timeout_ms,
                                      1)
    raw = read.text("REDIS_WAITAOF", "")
    waitaof = tuple(item.strip().lower() for item in raw.split(",") if item.strip())
    # WAIT blocks that long: the socket must outlast it (only where writes wait).
    if (min_replicas or waitaof) and replica_timeout_ms >= timeout_ms:
        raise ConfigError(f"{PREFIX}REDIS_REPLICA_TIMEOUT_MS must be below "
                          f"{PREFIX}REDIS_TIMEOUT_MS ({timeout_ms})")
    if not set(waitaof) <= set(WAITAOF_TARGETS):
        raise ConfigError(f"{PREFIX}REDIS_WAITAOF lists 'local' and/or 'replicas', got {raw!r}")
    if "replicas" in waitaof and not min_replicas:
        raise ConfigError(f"{PREFIX}REDIS_WAITAOF=replicas needs {PREFIX}REDIS_MIN_REPLICAS "
                          "of 1 or more")
    return min_replicas, replica_timeout_ms, waitaof


def _secrets(raw: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Read each parent system's secret, or its current and next secrets during a rotation."""
    systems: dict[str, tuple[str, ...]] = {}
    for system_id, value in raw.items():
        secrets = tuple(value) if isinstance(value, list) else (value,)
        if not secrets or not all(isinstance(s, str) and s for s in secrets):
            raise ConfigError(f"{PREFIX}PARENT_SYSTEMS must map each id to a non-empty secret, "
                              f"or to a list of its current and next secrets")
        if len(secrets) > 2 or len(set(secrets)) != len(secrets):
            raise ConfigError(f"{PREFIX}PARENT_SYSTEMS: {system_id} may have two different "
                              f"secrets at most (the current one and the next)")
        systems[str(system_id)] = tuple(str(s) for s in secrets)
    return systems


def _check_keys_differ(reconciliation_key: str, secrets: Iterable[object]) -> None:
    """Refuse a shared key: a leaked GPAS secret must not read the reconciliation report."""
    if reconciliation_key in set(secrets):
        raise ConfigError(f"{PREFIX}RECONCILIATION_API_KEY must differ from every secret in "
                          f"{PREFIX}PARENT_SYSTEMS")


def read_env_file(path: Path) -> dict[str, str]:
    """Read ``NAME=value`` lines; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {PREFIX}CONFIG_FILE {path}: {exc.strerror}") from None
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}
