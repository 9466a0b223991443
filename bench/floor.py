"""The floor: the least a Flask endpoint can do with Redis, under the service's gunicorn config.

``gunicorn -c config/gunicorn.conf.py bench.floor:app``: one PING through the same Redis client
settings as the service (``walletsvc.store.connect``), answered as a small JSON object.
"""

from __future__ import annotations

import os

from flask import Flask

from walletsvc.store import connect

app = Flask(__name__)
redis = connect(os.environ["WALLETSVC_REDIS_URL"], socket_timeout=2.0)


@app.get("/ping")
def ping() -> dict[str, object]:
    """Make one Redis round trip and answer a small JSON object."""
    return {"status": "OK", "redis": redis.ping()}
