"""Liveness and readiness, unauthenticated and cheap."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError

from walletsvc.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Say the process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Say whether Redis answers and holds the scripts, so a balancer skips a blind worker."""
    try:
        services().store.ready()
    except RedisError:
        return jsonify({"status": "unavailable", "redis": "unreachable"}), 503
    return jsonify({"status": "ok", "redis": "ok", "scripts": "loaded"}), 200
