"""The WSGI entry points, one per process: ``wsgi:app`` serves GPAS
(``gunicorn -c config/gunicorn.conf.py wsgi:app``), ``wsgi:operator_app`` the operator
(``gunicorn -c config/gunicorn-operator.conf.py``: the admin API, the ledger's reports, docs).

Each is built when first asked for, so a process builds only the app it serves.
"""

import sys

from flask import Flask

from walletsvc import create_app
from walletsvc.api import Process
from walletsvc.config import ConfigError

_SERVES: dict[str, tuple[Process, ...]] = {"app": ("gpas",), "operator_app": ("operator",)}


def __getattr__(name: str) -> Flask:
    """Build ``app`` or ``operator_app`` on first use."""
    if name not in _SERVES:
        raise AttributeError(f"module 'wsgi' has no attribute {name!r}")
    try:
        built = create_app(serves=_SERVES[name])
    except ConfigError as exc:
        print(f"walletsvc cannot start: {exc}", file=sys.stderr)
        sys.exit(3)  # gunicorn's "worker failed to boot": the master stops instead of retrying
    globals()[name] = built
    return built
