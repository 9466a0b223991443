"""The application factory: a table of contents of the service."""

from __future__ import annotations

from typing import Any

import simplejson
from flask import Flask
from flask.json.provider import JSONProvider
from redis.cluster import RedisCluster
from werkzeug.middleware.proxy_fix import ProxyFix

from walletsvc import observability
from walletsvc.api import register_blueprints
from walletsvc.api.common import EXTENSION, Services
from walletsvc.cli import register_commands
from walletsvc.config import Config
from walletsvc.domain.clock import Clock, system_clock
from walletsvc.domain.games import GamesCatalogue
from walletsvc.domain.gpas import GpasWallet
from walletsvc.domain.operator import Operator
from walletsvc.domain.reconciliation import Reconciliation
from walletsvc.errors import register_error_handlers
from walletsvc.money import Currencies
from walletsvc.store import RedisClient, WalletStore, connect
from walletsvc.store.replication import Acknowledgement


class ExactJSONProvider(JSONProvider):
    """JSON with decimals written as exact numbers, never through a float."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return simplejson.dumps(obj, use_decimal=True, separators=(",", ":"), **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return simplejson.loads(s, use_decimal=True, allow_nan=False, **kwargs)


def create_app(
    config: Config | None = None, redis: RedisClient | None = None, clock: Clock | None = None
) -> Flask:
    """Build the service: settings, store, domain, blueprints, error handlers, commands."""
    config = config or Config.from_env()
    app = Flask(__name__)
    app.json = ExactJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    if config.trusted_proxy_count:
        # The client address from X-Forwarded-For, only as far as our own proxies wrote it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxy_count)  # type: ignore[method-assign]
    app.extensions[EXTENSION] = build_services(config, redis, clock or system_clock)
    observability.init_app(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def build_services(config: Config, redis: RedisClient | None, clock: Clock) -> Services:
    """Wire the store and the domain objects together."""
    redis = redis or connect(config.redis_url, config.redis_socket_timeout, config.redis_cluster,
                             (config.redis_sentinel_username, config.redis_sentinel_password))
    store = WalletStore(redis, config.retention_ms, cluster=isinstance(redis, RedisCluster),
                        acknowledgement=Acknowledgement.of(config))
    currencies = Currencies(config.currency_scales)
    games = GamesCatalogue.load(config.games_catalogue)
    return Services(
        config=config,
        clock=clock,
        store=store,
        gpas=GpasWallet(config, store, clock, games, currencies),
        operator=Operator(config, store, clock, currencies),
        reconciliation=Reconciliation(store, games, currencies),
        currencies=currencies,
        games=games,
    )
