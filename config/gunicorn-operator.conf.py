"""gunicorn settings for walletsvc's operator process:
``gunicorn -c config/gunicorn-operator.conf.py`` (it serves ``wsgi:operator_app``).

The admin API, the ledger's reports and the API's documentation, behind nginx's internal
listener, in workers of their own: nothing an operator asks for shares a worker or a CPU turn
with a movement. Every setting of the GPAS process (config/gunicorn.conf.py) holds here too,
but those below.
"""

import os
import runpy
from pathlib import Path

# Its own metrics files, named by a variable of its own: each gunicorn empties its directory
# when it starts, so a directory shared with the GPAS process would lose that one's counts.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(os.environ.get(
    "WALLETSVC_OPERATOR_METRICS_DIR", "var/prometheus-operator")).resolve())
globals().update({name: value for name, value in runpy.run_path(
    str(Path(__file__).with_name("gunicorn.conf.py"))).items() if not name.startswith("__")})

wsgi_app = "wsgi:operator_app"
bind = os.environ.get("WALLETSVC_OPERATOR_BIND", "127.0.0.1:8001")

# Threads, not gevent: a statement is Python work from its first line to its last (a year of
# a busy wallet, 300,000 lines, takes seconds of CPU), which would hold every other request of
# a gevent worker, and its heartbeat, until it ends. A thread gives way every few milliseconds
# (the GIL's switch interval), so the admin API answers beside a report, and the worker's main
# thread goes on telling the master it is alive.
worker_class = "gthread"
workers = int(os.environ.get("WALLETSVC_OPERATOR_WORKERS", 2))
threads = 4
# With threads the timeout is the heartbeat of a worker's main loop, which a long report does
# not stop: it only takes down a wedged worker. A report's length is bounded by its dates (at
# most 366 days); its memory by the batch it holds (walletsvc/ledger/statement.py).
timeout = 60
# A reload or a stop lets a report being written finish for this long (a streamed year of a
# busy wallet takes seconds). Also the longest a stop waits for a worker: once, after a
# failover, a worker with no request in flight took all of it to leave on SIGINT (cause not
# found), and a stop of 60 s was longer than `make run-ha`'s own test allows.
graceful_timeout = 20

# Below GPAS on the CPU: a report takes only the time GPAS's workers leave. Set here, in the
# master before it forks its workers, so that every way of starting it (systemd, make run, the
# tests, the benchmark) runs what production runs; the systemd unit adds CPUWeight= for the
# cgroup it runs in. Never raised back: a process started lower stays lower.
nice = int(os.environ.get("WALLETSVC_OPERATOR_NICE", 10))
if os.getpriority(os.PRIO_PROCESS, 0) < nice:
    os.setpriority(os.PRIO_PROCESS, 0, nice)
