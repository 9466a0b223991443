"""The GPAS-facing routes share one guard: parent system, then signature, before anything."""

from __future__ import annotations

from flask import Blueprint, g

from walletsvc.api import movements, sessions, wallets
from walletsvc.api.common import services
from walletsvc.signing import authenticate_gpas_request

bp = Blueprint("gpas", __name__)


@bp.before_request
def authenticate() -> None:
    """Refuse unknown parent systems and bad signatures before reading anything else."""
    g.parent_system = authenticate_gpas_request(services().config.parent_systems)


bp.register_blueprint(sessions.bp)
bp.register_blueprint(wallets.bp)
bp.register_blueprint(movements.bp)
