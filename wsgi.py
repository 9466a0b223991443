"""The WSGI entry point gunicorn serves: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

import sys

from walletsvc import create_app
from walletsvc.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    print(f"walletsvc cannot start: {exc}", file=sys.stderr)
    sys.exit(3)  # gunicorn's "worker failed to boot": the master stops instead of retrying
