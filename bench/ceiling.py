"""The ceiling: a debit with only Flask around it, under the service's gunicorn config.

``gunicorn -c config/gunicorn.conf.py bench.ceiling:app``: ``POST /movements/debit`` takes the
load generator's signed debit and makes the service's own domain call with it
(``GpasWallet.move``: the movement script with its keys, one Redis round trip), then answers a
small JSON object. It skips the signature check, the schemas, the log line and the metrics.
Its throughput is what a debit can reach on this stack whatever the HTTP layer does; the gap
from it to the service is what that layer costs, and the gap from the floor is what the
movement costs in Redis (the script and, with ``appendfsync always``, the fsync).
"""

from __future__ import annotations

from decimal import Decimal

import simplejson
from flask import Flask, request

from bench.gpas import PARENT_ID
from walletsvc.clock import system_clock
from walletsvc.config import Config
from walletsvc.models import MovementRequest
from walletsvc.services import build_services

app = Flask(__name__)
services = build_services(Config.from_env(), None, system_clock)


@app.get("/healthz")
def healthz() -> dict[str, object]:
    """Answer that the app is up (without touching Redis)."""
    return {"status": "OK"}


@app.post("/movements/debit")
def debit() -> dict[str, object]:
    """Apply the debit as the service would once it has checked it; answer its movement id."""
    raw = request.get_data()
    body = simplejson.loads(raw, use_decimal=True)  # a value sent as a number stays exact
    moved = services.gpas.move(MovementRequest(
        kind="debit", session_id=request.args["walletSessionId"], parent_system=PARENT_ID,
        reference=body["externalReference"], description=body["description"],
        tags=body["tags"], raw_body=raw, value=Decimal(body["value"]),
        type_code=body["typeCode"]))
    return {"status": "OK", "movementId": moved.applied.movement_id}
