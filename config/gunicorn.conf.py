"""gunicorn settings for walletsvc: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

import multiprocessing
import os

# Loopback by default; a deployment sets WALLETSVC_BIND behind its TLS-terminating proxy.
bind = os.environ.get("WALLETSVC_BIND", "127.0.0.1:8000")

# Requests spend most of their time waiting on Redis, so a couple of sync workers per core
# keep the CPUs busy without the thread switching of gthread.
workers = int(os.environ.get("WALLETSVC_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# GPAS gives up after a few seconds; a request still running after 10 s is stuck, and the
# Redis client's own socket timeouts (2 s) end a blocked call well before that.
timeout = 10
graceful_timeout = 10
keepalive = 5

# Bound what one client can make a worker read (headers); bodies are limited by the app.
limit_request_line = 8190
limit_request_fields = 50

accesslog = "-"
errorlog = "-"
# No headers in the access log: Authorization carries launch tokens and admin keys.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
