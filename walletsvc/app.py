"""The application factory: a table of contents of the service."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import simplejson
from flask import Flask
from flask.json.provider import JSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from walletsvc import admission, console, observability, signin
from walletsvc.api import PROCESSES, Process, register_blueprints
from walletsvc.clock import Clock, system_clock
from walletsvc.commands import register_commands
from walletsvc.config import Config
from walletsvc.errors import register_error_handlers
from walletsvc.services import EXTENSION, build_services
from walletsvc.store import RedisClient
from walletsvc.store.safety import failure_kind


class ExactJSONProvider(JSONProvider):
    """JSON with decimals written as exact numbers, never through a float."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        # Compact unless the caller says otherwise (the session cookie's serializer does).
        kwargs.setdefault("separators", (",", ":"))
        return simplejson.dumps(obj, use_decimal=True, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return simplejson.loads(s, use_decimal=True, allow_nan=False, **kwargs)


def _warn_about_operator_settings(config: Config) -> None:
    """Say at the operator process's start what its settings leave out (commands and tests,
    which build both processes' routes, stay quiet)."""
    log = logging.getLogger("walletsvc")
    if config.retired_admin_key:
        log.warning("WALLETSVC_ADMIN_API_KEY is retired and opens nothing: each operator signs "
                    "in or uses their own API token (docs/operators.md, 'From the shared admin "
                    "key')")
    if not config.secret_key:
        log.warning("WALLETSVC_SECRET_KEY is not set: nobody can sign in (API tokens work)")


def create_app(
    config: Config | None = None, redis: RedisClient | None = None, clock: Clock | None = None,
    serves: Sequence[Process] = PROCESSES,
) -> Flask:
    """Build the service: settings, store, domain, observability, admission, blueprints, error
    handlers, commands.

    ``serves`` names the routes it mounts: ``("gpas",)`` for GPAS's workers, ``("operator",)``
    for the operator's (wsgi.py); both, the default, in one process for the commands and tests.
    """
    config = config or Config.from_env()
    app = Flask(__name__)
    app.json = ExactJSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    if config.trusted_proxy_count:
        # The client address from X-Forwarded-For, only as far as our own proxies wrote it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxy_count)  # type: ignore[method-assign]
    app.extensions[EXTENSION] = build_services(config, redis, clock or system_clock)
    observability.init_app(app)
    # After the request id is set (a refusal is logged with it), before every other check.
    admission.init_app(app, config.max_in_flight, config.admission_wait_ms)
    register_blueprints(app, serves)
    if "operator" in serves:
        signin.init_app(app, config)
        console.init_app(app)
    register_error_handlers(app, failure_kind)
    register_commands(app)
    if tuple(serves) == ("operator",):
        _warn_about_operator_settings(config)
    return app
