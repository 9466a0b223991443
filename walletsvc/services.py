"""The service container: the store and the domain objects one running app serves with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import current_app
from redis.cluster import RedisCluster

from walletsvc.admission import UNSHED_CONNECTIONS
from walletsvc.clock import Clock
from walletsvc.config import Config
from walletsvc.domain.games import GamesCatalogue
from walletsvc.domain.gpas import GpasWallet
from walletsvc.domain.operator import Operator
from walletsvc.domain.protection.service import Protection
from walletsvc.domain.reconciliation import Reconciliation
from walletsvc.money import Currencies
from walletsvc.store import AuditTrail, RedisClient, WalletStore, connect, keys
from walletsvc.store.replication import Acknowledgement

EXTENSION = "walletsvc"


@dataclass(frozen=True)
class Services:
    """The domain objects a running app serves requests and commands with."""

    config: Config
    clock: Clock
    store: WalletStore
    audit: AuditTrail
    gpas: GpasWallet
    operator: Operator
    reconciliation: Reconciliation
    protection: Protection
    currencies: Currencies
    games: GamesCatalogue


def build_services(config: Config, redis: RedisClient | None, clock: Clock) -> Services:
    """Wire the store and the domain objects together."""
    keys.use_prefix(config.redis_key_prefix)
    # A connection for every request admission lets in, and for the routes it never refuses.
    redis = redis or connect(config.redis_url, config.redis_timeout_ms / 1000,
                             config.redis_cluster,
                             (config.redis_sentinel_username, config.redis_sentinel_password),
                             connections=config.max_in_flight + UNSHED_CONNECTIONS)
    store = WalletStore(redis, config.retention_ms, cluster=isinstance(redis, RedisCluster),
                        clock=clock, acknowledgement=Acknowledgement.of(config))
    audit = AuditTrail(redis)
    currencies = Currencies(config.currency_scales)
    games = GamesCatalogue.load(config.games_catalogue)
    protection = Protection(config, store, clock, currencies)
    return Services(
        config=config,
        clock=clock,
        store=store,
        audit=audit,
        gpas=GpasWallet(config, store, clock, games, currencies, protection),
        operator=Operator(config, store, audit, clock, currencies, protection),
        reconciliation=Reconciliation(audit, games, currencies),
        protection=protection,
        currencies=currencies,
        games=games,
    )


def services() -> Services:
    """Return the services of the current app (a request or a command runs inside one)."""
    return cast(Services, current_app.extensions[EXTENSION])
