"""gunicorn settings for walletsvc: ``gunicorn -c config/gunicorn.conf.py wsgi:app``."""

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

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
# Sync workers close every connection after one answer, whatever `keepalive` says: it only
# matters for gthread (and async) workers, which keep an idle connection this many seconds.
# With sync workers nginx opens one loopback connection per request; it is nginx, buffering
# whole requests and answers (config/nginx/), that keeps slow clients off the workers.
keepalive = 5

# gunicorn 25.1+ opens a control socket for `gunicornc` by default, in $XDG_RUNTIME_DIR or
# ~/.gunicorn/: one shared by every gunicorn of a user, in a home the service user cannot
# write to. walletsvc is managed with signals (`systemctl reload` sends HUP), so it is off.
control_socket_disable = True

# Bound what one client can make a worker read (headers); bodies are limited by the app.
limit_request_line = 8190
limit_request_fields = 50

# The app writes one JSON line per request itself (walletsvc.observability), with the request
# id, parent system, session, GPAS code and latency, and never a header: gunicorn's own access
# log would only repeat it. Errors and worker events still go to stderr.
accesslog = None
errorlog = "-"

# Prometheus counters from every worker, summed at /metrics: each worker writes its values to
# files in this directory, emptied when gunicorn starts (values of a previous run would add up).
metrics_dir = Path(os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path("var/prometheus").resolve())))


def on_starting(server: Any) -> None:
    """Start with an empty metrics directory."""
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)


def child_exit(server: Any, worker: Any) -> None:
    """Drop the live gauges of a worker that has exited."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
