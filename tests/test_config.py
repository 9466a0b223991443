"""Settings from WALLETSVC_* variables and an optional file (docs/gpas-contract.md, "Settings and
secrets")."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from walletsvc.config import Config, ConfigError

REQUIRED = {
    "WALLETSVC_PARENT_SYSTEMS": '{"BL13GT": "Ax34deSfgdB"}',
    "WALLETSVC_RECONCILIATION_API_KEY": "reconciliation-key",
}


def env(**changes: str | None) -> dict[str, str]:
    """Return the required variables with ``changes`` (short names; None removes one)."""
    result = dict(REQUIRED)
    for name, value in changes.items():
        if value is None:
            result.pop(f"WALLETSVC_{name}", None)
        else:
            result[f"WALLETSVC_{name}"] = value
    return result


def write_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "walletsvc.env"
    path.write_text(text)
    return path


def test_required_variables_are_enough_to_start() -> None:
    config = Config.from_env(env())
    assert config.parent_systems == {"BL13GT": ("Ax34deSfgdB",)}
    assert config.reconciliation_api_key == "reconciliation-key"
    assert config.retired_admin_key is False


def test_defaults_are_the_documented_ones() -> None:
    config = Config.from_env(env())
    assert config.session_idle_seconds == 1800
    assert config.session_max_seconds == 86_400
    assert config.late_settlement_seconds == 0
    assert config.retention_days == 120
    assert config.retention_ms == 120 * 86_400_000
    assert config.duplicate_reply == "replay"
    assert config.launch_token_ttl_seconds == 300
    assert config.jwt_algorithm == "HS256"
    assert config.jwt_key is None
    assert config.games_catalogue is None
    assert dict(config.currency_scales) == {}
    assert config.wallet_code == "CASINO"
    assert config.redis_url == "redis://127.0.0.1:6379/0"


def test_every_setting_is_read_from_its_variable(tmp_path: Path) -> None:
    catalogue = tmp_path / "games.json"
    config = Config.from_env(env(
        REDIS_URL="redis://redis.internal:6380/2",
        SESSION_IDLE_SECONDS="600",
        SESSION_MAX_SECONDS="7200",
        LATE_SETTLEMENT_SECONDS="900",
        RETENTION_DAYS="30",
        DUPLICATE_REPLY="refuse",
        LAUNCH_TOKEN_TTL_SECONDS="60",
        JWT_ALGORITHM="RS256",
        JWT_KEY="-----BEGIN PUBLIC KEY-----",
        GAMES_CATALOGUE=str(catalogue),
        CURRENCY_SCALES='{"btc": 8, "JPY": 0}',
        WALLET_CODE="SPORTS",
    ))
    assert config.redis_url == "redis://redis.internal:6380/2"
    assert (config.session_idle_seconds, config.session_max_seconds) == (600, 7200)
    assert config.late_settlement_seconds == 900
    assert config.retention_days == 30
    assert config.duplicate_reply == "refuse"
    assert config.launch_token_ttl_seconds == 60
    assert config.jwt_algorithm == "RS256"
    assert config.jwt_key == "-----BEGIN PUBLIC KEY-----"
    assert config.games_catalogue == catalogue
    assert dict(config.currency_scales) == {"BTC": 8, "JPY": 0}
    assert config.wallet_code == "SPORTS"


def test_jwt_key_is_read_from_its_file(tmp_path: Path) -> None:
    key_file = tmp_path / "portal.pem"
    key_file.write_text("key from the file")
    config = Config.from_env(env(JWT_KEY_FILE=str(key_file), JWT_KEY="key from the variable"))
    assert config.jwt_key == "key from the file"


@pytest.mark.parametrize("name", ["PARENT_SYSTEMS", "RECONCILIATION_API_KEY"])
@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_secret_stops_start_up_naming_the_variable(name: str, value: str | None) -> None:
    with pytest.raises(ConfigError, match=f"WALLETSVC_{name} is not set"):
        Config.from_env(env(**{name: value}))


# Operators have their own tokens (docs/operators.md): the shared admin key opens nothing, and
# setting it only has the operator's process warn at its start (tests/api/test_admin_auth.py).
@pytest.mark.parametrize(("value", "noted"), [(None, False), ("an-old-shared-key", True),
                                              ("reconciliation-key", True),
                                              ("Ax34deSfgdB", True)])
def test_the_retired_admin_key_is_not_required_and_only_noted_when_set(
        value: str | None, noted: bool) -> None:
    config = Config.from_env(env(ADMIN_API_KEY=value))
    assert config.retired_admin_key is noted
    assert "an-old-shared-key" not in repr(config)


def test_the_retired_admin_key_in_the_file_is_noted_too(tmp_path: Path) -> None:
    path = write_file(tmp_path, "WALLETSVC_ADMIN_API_KEY=an-old-shared-key\n")
    config = Config.from_env({**env(), "WALLETSVC_CONFIG_FILE": str(path)})
    assert config.retired_admin_key is True


def test_start_up_fails_on_an_empty_environment() -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_"):
        Config.from_env({})


def test_variables_without_the_prefix_are_ignored() -> None:
    unprefixed = {name.removeprefix("WALLETSVC_"): value for name, value in REQUIRED.items()}
    with pytest.raises(ConfigError, match="is not set"):
        Config.from_env(unprefixed)


def test_process_environment_is_read_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env(RECONCILIATION_API_KEY="from-os-environ").items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WALLETSVC_CONFIG_FILE", raising=False)
    assert Config.from_env().reconciliation_api_key == "from-os-environ"


@pytest.mark.parametrize("raw", ["{not json", "BL13GT=secret", "{'BL13GT': 'x'}", '{"a": "b"'])
def test_malformed_parent_systems_json_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_PARENT_SYSTEMS must be a JSON object"):
        Config.from_env(env(PARENT_SYSTEMS=raw))


@pytest.mark.parametrize("raw", ["[]", '["BL13GT"]', '"BL13GT"', "42", "null", "{}"])
def test_parent_systems_must_be_a_non_empty_object(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_PARENT_SYSTEMS must be a non-empty"):
        Config.from_env(env(PARENT_SYSTEMS=raw))


@pytest.mark.parametrize("raw", ['{"BL13GT": ""}', '{"BL13GT": 42}', '{"BL13GT": null}',
                                 '{"A": "ok", "B": ""}'])
def test_every_parent_system_needs_a_secret(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_PARENT_SYSTEMS must map each id"):
        Config.from_env(env(PARENT_SYSTEMS=raw))


@pytest.mark.parametrize("raw", ["{bad", "[8]", '{"BTC": "8"}', '{"BTC": 9}', '{"BTC": -1}',
                                 '{"BTC": 2.5}', '{"BTC": true}'])
def test_malformed_currency_scales_are_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_CURRENCY_SCALES"):
        Config.from_env(env(CURRENCY_SCALES=raw))


@pytest.mark.parametrize("raw", ["REPLAY", "ignore", "replay ", "true", "0"])
def test_bad_duplicate_reply_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_DUPLICATE_REPLY must be 'refuse' or"):
        Config.from_env(env(DUPLICATE_REPLY=raw))


@pytest.mark.parametrize("raw", ["refuse", "replay"])
def test_both_duplicate_replies_are_accepted(raw: str) -> None:
    assert Config.from_env(env(DUPLICATE_REPLY=raw)).duplicate_reply == raw


@pytest.mark.parametrize("raw", ["none", "HS512", "hs256", "ES256", "RS384", ""])
def test_bad_jwt_algorithm_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_JWT_ALGORITHM must be HS256 or RS256"):
        Config.from_env(env(JWT_ALGORITHM=raw))


@pytest.mark.parametrize(("name", "raw"), [
    ("SESSION_IDLE_SECONDS", "thirty"), ("SESSION_MAX_SECONDS", "1.5"),
    ("LATE_SETTLEMENT_SECONDS", "10s"), ("RETENTION_DAYS", "1e2"),
])
def test_non_integer_durations_are_refused(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=f"WALLETSVC_{name} must be a whole number"):
        Config.from_env(env(**{name: raw}))


@pytest.mark.parametrize(("name", "raw"), [
    ("SESSION_IDLE_SECONDS", "0"), ("SESSION_MAX_SECONDS", "-1"),
    ("LATE_SETTLEMENT_SECONDS", "-5"), ("RETENTION_DAYS", "0"),
    ("MAX_IN_FLIGHT", "0"), ("ADMISSION_WAIT_MS", "-1"),
])
def test_durations_below_their_minimum_are_refused(name: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=f"WALLETSVC_{name} must be at least"):
        Config.from_env(env(**{name: raw}))


def test_admission_limits_default_to_32_at_once_and_half_a_second_of_waiting() -> None:
    config = Config.from_env(env())
    assert (config.max_in_flight, config.admission_wait_ms) == (32, 500)
    changed = Config.from_env(env(MAX_IN_FLIGHT="8", ADMISSION_WAIT_MS="0"))
    assert (changed.max_in_flight, changed.admission_wait_ms) == (8, 0)


def test_empty_duration_means_the_default() -> None:
    assert Config.from_env(env(SESSION_IDLE_SECONDS="")).session_idle_seconds == 1800


# The optional file ------------------------------------------------------------------------

def test_config_file_supplies_the_settings(tmp_path: Path) -> None:
    path = write_file(tmp_path, "\n".join([
        "# walletsvc settings",
        "",
        "WALLETSVC_PARENT_SYSTEMS={\"FROMFILE\": \"file-secret\"}",
        "WALLETSVC_RECONCILIATION_API_KEY = file-reconciliation-key ",
        "WALLETSVC_SESSION_IDLE_SECONDS=60",
        "WALLETSVC_DUPLICATE_REPLY=refuse",
    ]))
    config = Config.from_env({"WALLETSVC_CONFIG_FILE": str(path)})
    assert config.parent_systems == {"FROMFILE": ("file-secret",)}
    assert config.reconciliation_api_key == "file-reconciliation-key"
    assert config.session_idle_seconds == 60
    assert config.duplicate_reply == "refuse"


def test_environment_variables_win_over_the_config_file(tmp_path: Path) -> None:
    path = write_file(tmp_path, "\n".join([
        "WALLETSVC_PARENT_SYSTEMS={\"FROMFILE\": \"file-secret\"}",
        "WALLETSVC_RECONCILIATION_API_KEY=file-reconciliation-key",
        "WALLETSVC_RETENTION_DAYS=30",
        "WALLETSVC_LATE_SETTLEMENT_SECONDS=600",
    ]))
    config = Config.from_env({
        "WALLETSVC_CONFIG_FILE": str(path),
        "WALLETSVC_RECONCILIATION_API_KEY": "env-reconciliation-key",
        "WALLETSVC_RETENTION_DAYS": "90",
    })
    assert config.reconciliation_api_key == "env-reconciliation-key"
    assert config.retention_days == 90
    assert config.parent_systems == {"FROMFILE": ("file-secret",)}
    assert config.late_settlement_seconds == 600


def test_value_in_the_file_may_contain_equals_signs(tmp_path: Path) -> None:
    path = write_file(tmp_path, "WALLETSVC_RECONCILIATION_API_KEY=abc==\n")
    config = Config.from_env({**env(RECONCILIATION_API_KEY=None),
                              "WALLETSVC_CONFIG_FILE": str(path)})
    assert config.reconciliation_api_key == "abc=="


def test_commented_out_line_in_the_file_is_not_a_setting(tmp_path: Path) -> None:
    path = write_file(tmp_path, "#WALLETSVC_RECONCILIATION_API_KEY=commented-out\n")
    with pytest.raises(ConfigError, match="WALLETSVC_RECONCILIATION_API_KEY is not set"):
        Config.from_env({**env(RECONCILIATION_API_KEY=None),
                         "WALLETSVC_CONFIG_FILE": str(path)})


def test_secret_missing_from_both_file_and_environment_is_named(tmp_path: Path) -> None:
    path = write_file(tmp_path, "WALLETSVC_PARENT_SYSTEMS={\"FROMFILE\": \"file-secret\"}\n")
    with pytest.raises(ConfigError, match="WALLETSVC_RECONCILIATION_API_KEY is not set"):
        Config.from_env({**env(PARENT_SYSTEMS=None, RECONCILIATION_API_KEY=None),
                         "WALLETSVC_CONFIG_FILE": str(path)})


def test_unreadable_config_file_stops_start_up_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.env"
    with pytest.raises(ConfigError, match=r"cannot read WALLETSVC_CONFIG_FILE .*no-such-file"):
        Config.from_env({**env(), "WALLETSVC_CONFIG_FILE": str(missing)})


def test_settings_in_the_file_are_validated_too(tmp_path: Path) -> None:
    path = write_file(tmp_path, "WALLETSVC_DUPLICATE_REPLY=sometimes\n")
    with pytest.raises(ConfigError, match="WALLETSVC_DUPLICATE_REPLY"):
        Config.from_env({**env(), "WALLETSVC_CONFIG_FILE": str(path)})


# Security settings ------------------------------------------------------------------------

def test_security_defaults_are_the_safe_ones() -> None:
    config = Config.from_env(env())
    assert config.trusted_proxy_count == 0  # X-Forwarded-For is ignored
    assert config.gpas_allowed_ips == ()  # GPAS addresses unknown until set: all served
    assert config.jwt_key is None  # portal JWTs refused
    # An identical repeat gets its original answer; any other body under the reference 1003.
    assert config.duplicate_reply == "replay"
    assert config.late_settlement_seconds == 0
    assert config.max_body_bytes == 16 * 1024


def test_gpas_allow_list_takes_addresses_and_blocks() -> None:
    config = Config.from_env(env(GPAS_ALLOWED_IPS=" 198.51.100.7,203.0.113.0/24 ,,2001:db8::/32"))
    assert [str(network) for network in config.gpas_allowed_ips] == [
        "198.51.100.7/32", "203.0.113.0/24", "2001:db8::/32"]


@pytest.mark.parametrize("raw", ["300.1.1.1", "10.0.0.1/24", "gpas.example", "10.0.0.0/33",
                                 "198.51.100.7;10.0.0.1"])
def test_bad_gpas_allow_list_stops_start_up(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_GPAS_ALLOWED_IPS must list addresses"):
        Config.from_env(env(GPAS_ALLOWED_IPS=raw))


def test_trusted_proxy_count_is_read() -> None:
    assert Config.from_env(env(TRUSTED_PROXY_COUNT="2")).trusted_proxy_count == 2


@pytest.mark.parametrize(("raw", "message"), [("-1", "at least 0"), ("one", "whole number")])
def test_bad_trusted_proxy_count_stops_start_up(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=f"WALLETSVC_TRUSTED_PROXY_COUNT must be .*{message}"):
        Config.from_env(env(TRUSTED_PROXY_COUNT=raw))


def test_the_reconciliation_key_must_differ_from_every_parent_system_secret() -> None:
    with pytest.raises(ConfigError, match="RECONCILIATION_API_KEY must differ from every secret"):
        Config.from_env(env(RECONCILIATION_API_KEY="Ax34deSfgdB"))


def test_a_parent_system_may_have_its_current_and_next_secret_during_a_rotation() -> None:
    config = Config.from_env(env(PARENT_SYSTEMS='{"BL13GT": ["current-secret", "next-secret"]}'))
    assert config.parent_systems == {"BL13GT": ("current-secret", "next-secret")}


@pytest.mark.parametrize("raw", ['{"BL13GT": []}', '{"BL13GT": ["a", ""]}', '{"BL13GT": ["a", 1]}',
                                 '{"BL13GT": [null]}'])
def test_every_secret_of_a_rotation_must_be_a_non_empty_string(raw: str) -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_PARENT_SYSTEMS must map each id"):
        Config.from_env(env(PARENT_SYSTEMS=raw))


@pytest.mark.parametrize("raw", ['{"BL13GT": ["a", "b", "c"]}', '{"BL13GT": ["a", "a"]}'])
def test_a_rotation_has_two_different_secrets_at_most(raw: str) -> None:
    with pytest.raises(ConfigError, match="BL13GT may have two different secrets at most"):
        Config.from_env(env(PARENT_SYSTEMS=raw))


def test_the_next_secret_must_differ_from_the_reconciliation_key() -> None:
    systems = json.dumps({"BL13GT": ["current-secret", "reconciliation-key-value"]})
    with pytest.raises(ConfigError, match="must differ from every secret"):
        Config.from_env(env(PARENT_SYSTEMS=systems,
                            RECONCILIATION_API_KEY="reconciliation-key-value"))


# Replication settings ---------------------------------------------------------------------

def test_replication_defaults_wait_for_no_replica() -> None:
    config = Config.from_env(env())
    assert config.redis_min_replicas == 0
    assert config.redis_replica_timeout_ms == 500
    assert config.redis_waitaof == ()
    assert (config.redis_sentinel_username, config.redis_sentinel_password) == (None, None)


def test_replication_settings_are_read_from_their_variables() -> None:
    config = Config.from_env(env(
        REDIS_URL="redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/wallet/0",
        REDIS_SENTINEL_USERNAME="watcher", REDIS_SENTINEL_PASSWORD="sentinel-secret",
        REDIS_MIN_REPLICAS="2", REDIS_REPLICA_TIMEOUT_MS="250", REDIS_WAITAOF="local, Replicas"))
    assert config.redis_url == "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/wallet/0"
    assert config.redis_sentinel_username == "watcher"
    assert config.redis_sentinel_password == "sentinel-secret"
    assert config.redis_min_replicas == 2
    assert config.redis_replica_timeout_ms == 250
    assert config.redis_waitaof == ("local", "replicas")


@pytest.mark.parametrize(("changes", "message"), [
    ({"REDIS_MIN_REPLICAS": "-1"}, "WALLETSVC_REDIS_MIN_REPLICAS must be at least 0"),
    ({"REDIS_MIN_REPLICAS": "one"}, "WALLETSVC_REDIS_MIN_REPLICAS must be a whole number"),
    ({"REDIS_REPLICA_TIMEOUT_MS": "0"}, "WALLETSVC_REDIS_REPLICA_TIMEOUT_MS must be at least 1"),
    ({"REDIS_MIN_REPLICAS": "1", "REDIS_REPLICA_TIMEOUT_MS": "2000"},
     "must be below WALLETSVC_REDIS_TIMEOUT_MS"),
    ({"REDIS_MIN_REPLICAS": "1", "REDIS_TIMEOUT_MS": "500"}, r"TIMEOUT_MS \(500\)"),
    ({"REDIS_WAITAOF": "local", "REDIS_TIMEOUT_MS": "400"}, r"TIMEOUT_MS \(400\)"),
    ({"REDIS_WAITAOF": "always"}, "WALLETSVC_REDIS_WAITAOF lists 'local' and/or 'replicas'"),
    ({"REDIS_WAITAOF": "replicas"}, "needs WALLETSVC_REDIS_MIN_REPLICAS of 1 or more"),
])
def test_malformed_replication_settings_are_refused(changes: dict[str, str], message: str
                                                    ) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env(**changes))


def test_a_short_redis_timeout_is_accepted_while_writes_wait_for_nothing() -> None:
    assert Config.from_env(env(REDIS_TIMEOUT_MS="300")).redis_timeout_ms == 300


def test_waitaof_local_alone_needs_no_replica() -> None:
    assert Config.from_env(env(REDIS_WAITAOF="local")).redis_waitaof == ("local",)


@pytest.mark.parametrize("prefix", ["{tag}:", "a*", "with space", "x" * 65])
def test_a_redis_key_prefix_that_would_break_the_key_layout_is_refused(prefix: str) -> None:
    with pytest.raises(ConfigError, match="REDIS_KEY_PREFIX"):
        Config.from_env(env(REDIS_KEY_PREFIX=prefix))


def test_redis_keys_have_no_prefix_unless_one_is_set() -> None:
    assert Config.from_env(env()).redis_key_prefix == ""
    assert Config.from_env(env(REDIS_KEY_PREFIX="casino-a:")).redis_key_prefix == "casino-a:"


def test_money_requests_by_default_need_a_finance_lead_and_wait_72_hours() -> None:
    config = Config.from_env(env())
    assert dict(config.approval_limits) == {}
    assert config.money_request_hours == 72


def test_approval_limits_are_read_as_exact_decimals_per_currency() -> None:
    config = Config.from_env(env(
        APPROVAL_LIMITS='{"BRL": "1000.10", "usd": 0.1, "CLP": 50000, "XAU": "2.125"}',
        CURRENCY_SCALES='{"XAU": 3}', MONEY_REQUEST_HOURS="24"))
    limits = dict(config.approval_limits)
    assert limits == {"BRL": Decimal("1000.10"), "USD": Decimal("0.1"), "CLP": Decimal(50000),
                      "XAU": Decimal("2.125")}
    assert all(isinstance(limit, Decimal) for limit in limits.values())  # never a float
    assert str(limits["USD"]) == "0.1"
    assert config.money_request_hours == 24


@pytest.mark.parametrize(("changes", "message"), [
    ({"APPROVAL_LIMITS": '["BRL"]'}, "APPROVAL_LIMITS must be a .*JSON object"),
    ({"APPROVAL_LIMITS": "{BRL: 10}"}, "APPROVAL_LIMITS must be a JSON object"),
    ({"APPROVAL_LIMITS": '{"BRL": "-1"}'}, "the limit of BRL must not be negative"),
    ({"APPROVAL_LIMITS": '{"BRL": "ten"}'}, "the limit of BRL must be a decimal number"),
    ({"APPROVAL_LIMITS": '{"BRL": true}'}, "the limit of BRL must be a decimal number"),
    ({"APPROVAL_LIMITS": '{"BLR": "10"}'}, "'BLR' is not a currency this service knows"),
    ({"MONEY_REQUEST_HOURS": "0"}, "WALLETSVC_MONEY_REQUEST_HOURS must be at least 1"),
    ({"MONEY_REQUEST_HOURS": "3 days"}, "WALLETSVC_MONEY_REQUEST_HOURS must be a whole number"),
])
def test_malformed_approval_settings_are_refused(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env(**changes))


# Operators' sign-in (docs/signin.md) ------------------------------------------------------

SIGNIN_KEY = "k" * 32
OIDC = {"OIDC_ISSUER": "https://login.example.com/tenant", "OIDC_CLIENT_ID": "walletsvc",
        "OIDC_CLIENT_SECRET": "client-secret"}


def test_sign_in_is_off_until_a_secret_key_is_set_and_sessions_have_safe_limits() -> None:
    config = Config.from_env(env())
    assert config.secret_key is None
    assert (config.oidc_issuer, config.oidc_client_id, config.oidc_client_secret) == (
        None, None, None)
    assert config.oidc_redirect_url is None
    assert (config.session_idle_minutes, config.session_max_hours) == (30, 12)
    assert config.operator_plain_http is False


def test_sign_in_settings_are_read_from_their_variables() -> None:
    config = Config.from_env(env(
        SECRET_KEY=SIGNIN_KEY, **OIDC,
        OIDC_REDIRECT_URL="https://ops.example.com/admin/signin/oidc/callback",
        SESSION_IDLE_MINUTES="15", SESSION_MAX_HOURS="8"))
    assert config.secret_key == SIGNIN_KEY
    assert config.oidc_issuer == "https://login.example.com/tenant"
    assert (config.oidc_client_id, config.oidc_client_secret) == ("walletsvc", "client-secret")
    assert config.oidc_redirect_url == "https://ops.example.com/admin/signin/oidc/callback"
    assert (config.session_idle_minutes, config.session_max_hours) == (15, 8)


def test_the_sign_in_secrets_are_not_in_the_settings_repr() -> None:
    text = repr(Config.from_env(env(SECRET_KEY=SIGNIN_KEY, **OIDC)))
    assert SIGNIN_KEY not in text and "client-secret" not in text
    assert "login.example.com" in text


def test_a_short_secret_key_stops_start_up() -> None:
    with pytest.raises(ConfigError, match="WALLETSVC_SECRET_KEY must be at least 32"):
        Config.from_env(env(SECRET_KEY="k" * 31))


@pytest.mark.parametrize("missing", list(OIDC))
def test_the_provider_settings_come_together_or_not_at_all(missing: str) -> None:
    with pytest.raises(ConfigError, match="are set together or not at all"):
        Config.from_env(env(**{**OIDC, missing: None}))


@pytest.mark.parametrize(("issuer", "accepted"), [
    ("https://login.example.com", True), ("http://127.0.0.1:8002", True),
    ("http://localhost:8002", True), ("http://[::1]:8002", True),
    ("http://login.example.com", False), ("http://10.0.0.1", False), ("login.example.com", False),
])
def test_the_issuer_is_https_or_plain_http_on_loopback(issuer: str, accepted: bool) -> None:
    settings = env(**{**OIDC, "OIDC_ISSUER": issuer})
    if accepted:
        assert Config.from_env(settings).oidc_issuer == issuer
    else:
        with pytest.raises(ConfigError, match="WALLETSVC_OIDC_ISSUER must be an https"):
            Config.from_env(settings)


def test_a_plain_http_callback_needs_the_operator_plain_http_setting() -> None:
    url = "http://127.0.0.1:8001/admin/signin/oidc/callback"
    with pytest.raises(ConfigError, match="WALLETSVC_OIDC_REDIRECT_URL must be an https"):
        Config.from_env(env(OIDC_REDIRECT_URL=url))
    config = Config.from_env(env(OIDC_REDIRECT_URL=url, OPERATOR_PLAIN_HTTP="1"))
    assert (config.oidc_redirect_url, config.operator_plain_http) == (url, True)


@pytest.mark.parametrize(("changes", "message"), [
    ({"SESSION_IDLE_MINUTES": "0"}, "WALLETSVC_SESSION_IDLE_MINUTES must be at least 1"),
    ({"SESSION_MAX_HOURS": "0"}, "WALLETSVC_SESSION_MAX_HOURS must be at least 1"),
    ({"SESSION_MAX_HOURS": "half"}, "WALLETSVC_SESSION_MAX_HOURS must be a whole number"),
    ({"SESSION_IDLE_MINUTES": "61", "SESSION_MAX_HOURS": "1"},
     "WALLETSVC_SESSION_IDLE_MINUTES must not exceed"),
])
def test_malformed_session_limits_stop_start_up(changes: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env(**changes))
