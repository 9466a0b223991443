"""gunicorn settings for walletsvc's GPAS process: ``gunicorn -c config/gunicorn.conf.py wsgi:app``.

The operator process (config/gunicorn-operator.conf.py) takes these settings too, but its own.
"""

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import Any

# Loopback by default; a deployment sets WALLETSVC_BIND behind its TLS-terminating proxy.
bind = os.environ.get("WALLETSVC_BIND", "127.0.0.1:8000")

# gevent workers, one per core: a worker serves other requests while one waits on Redis, and
# keeps connections open (keep-alive), so a client or nginx sends request after request on
# one connection instead of opening one per request. Measured on 2 cores, each configuration
# in a run of its own (bench/README.md, "Worker classes, nginx, appendfsync and a cluster"):
# gevent with a worker per core used the least worker CPU per debit, directly and behind nginx,
# served as many debits per second as any (sync workers within the noise) with the lowest p99;
# a third worker on two cores only added switching. The Redis client, the metrics files and the log lines are used from
# greenlets as from threads (gevent patches sockets and locks); the suite's gunicorn tests run
# on this class. This process serves GPAS alone (wsgi:app); what operators ask for, the ledger's
# reports among it, runs in a process of its own (config/gunicorn-operator.conf.py).
workers = int(os.environ.get("WALLETSVC_WORKERS", multiprocessing.cpu_count()))
worker_class = "gevent"
# Connections one worker holds at once (GPAS, or nginx's pool); more wait in the backlog. Of
# their requests a worker serves WALLETSVC_MAX_IN_FLIGHT at once and refuses those that wait
# too long with 503 OVERLOADED (walletsvc/admission.py); nginx lets 256 per worker through.
worker_connections = 1000

# GPAS gives up after a few seconds; a request still running after 10 s is stuck, and the
# Redis client's own socket timeouts (2 s) end a blocked call well before that.
timeout = 10
graceful_timeout = 10
# An idle connection is kept this many seconds for its next request. nginx's upstream pool
# (config/nginx/) drops its idle connections sooner (keepalive_timeout 4s), so it never
# sends a request on a connection gunicorn is closing. nginx, buffering whole requests and
# answers, keeps slow clients off the workers.
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
