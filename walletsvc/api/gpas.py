"""The GPAS-facing routes share one guard: address, parent system, signature, before anything."""

from __future__ import annotations

from flask import Blueprint, g

from walletsvc.api import movements, sessions, wallets
from walletsvc.api.auth import require_allowed_address
from walletsvc.services import services
from walletsvc.signing import authenticate_gpas_request

bp = Blueprint("gpas", __name__)


@bp.before_request
def authenticate() -> None:
    """Refuse other addresses, unknown parent systems and bad signatures before anything else."""
    config = services().config
    require_allowed_address(config.gpas_allowed_ips)
    g.parent_system = authenticate_gpas_request(config.parent_systems)


bp.register_blueprint(sessions.bp)
bp.register_blueprint(wallets.bp)
bp.register_blueprint(movements.bp)
