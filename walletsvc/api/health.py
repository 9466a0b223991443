"""Liveness and readiness, unauthenticated and cheap, and never refused for overload."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError

from walletsvc.admission import unshed
from walletsvc.services import services

bp = Blueprint("health", __name__)


def readiness() -> tuple[str, list[str]]:
    """Return Redis's state (ok, not ready, unreachable) and what keeps it from moving money."""
    try:
        problems = services().store.health()
    except RedisError as exc:
        return "unreachable", [f"Redis does not answer: {type(exc).__name__}: {exc}"]
    return ("not ready" if problems else "ok"), problems


@bp.get("/healthz")
@unshed
def healthz() -> Response:
    """Say the process is alive."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@unshed
def readyz() -> tuple[Response, int]:
    """Say whether Redis can move money now, so a balancer skips a worker that cannot."""
    state, problems = readiness()
    if problems:
        return jsonify({"status": "unavailable", "redis": state, "problems": problems}), 503
    return jsonify({"status": "ok", "redis": "ok", "scripts": "loaded"}), 200
