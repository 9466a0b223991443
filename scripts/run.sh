#!/usr/bin/env bash
# Start walletsvc for a try-out: demo credentials, a local redis-server unless
# WALLETSVC_REDIS_URL is set, a local PostgreSQL for the ledger unless WALLETSVC_LEDGER_URL is
# set, a demo wallet with a launch token, the ledger exporter, and two gunicorns: GPAS's on :8000
# and the operator's (admin API, ledger reports, docs) on :8001.
# However it is stopped (Ctrl-C, SIGTERM to this script or to `make run`, either gunicorn
# exiting), it stops both gunicorns with their workers, the exporter, and the servers it
# started: nothing is left.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${WALLETSVC_VAR_DIR:-var}   # demo secrets, Redis's and PostgreSQL's files, logs
mkdir -p "$VAR/redis"

redis_pid=""
postgres_pid=""
exporter_pid=""
gunicorn_pid=""
operator_pid=""
stop() {  # stop PID [SIGNAL]: signal a child we started, then wait for it
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill "-${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
stop_all() {
  trap - EXIT INT TERM
  stop "$gunicorn_pid"                  # graceful: workers finish, then exit
  stop "$operator_pid"
  stop "$exporter_pid"                  # it finishes its batch first
  stop "$postgres_pid" INT              # PostgreSQL's fast shutdown
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    "$BIN/redis-cli" -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
  fi
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

# Demo secrets are made once and kept in $VAR/demo.env; variables already set win.
if [ ! -f "$VAR/demo.env" ]; then
  "$BIN/python" - > "$VAR/demo.env" <<'PY'
import json, secrets
print("WALLETSVC_PARENT_SYSTEMS=" + json.dumps({"DEMO01": secrets.token_hex(16)}))
print("WALLETSVC_ADMIN_API_KEY=" + secrets.token_hex(24))
print("WALLETSVC_RECONCILIATION_API_KEY=" + secrets.token_hex(24))
PY
fi
export WALLETSVC_CONFIG_FILE="${WALLETSVC_CONFIG_FILE:-$VAR/demo.env}"

if [ -z "${WALLETSVC_REDIS_URL:-}" ]; then
  REDIS_PORT="${WALLETSVC_REDIS_PORT:-6390}"
  # Append-only file, fsync on every write: a 200 answered is a movement on disk.
  "$BIN/redis-server" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$(cd "$VAR/redis" && pwd)" \
    --appendonly yes --appendfsync "${WALLETSVC_REDIS_APPENDFSYNC:-always}" \
    --save "" --daemonize no --logfile redis.log &
  redis_pid=$!
  export WALLETSVC_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 50); do
    "$BIN/redis-cli" -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "redis-server on 127.0.0.1:$REDIS_PORT, data in $VAR/redis (append-only, fsync always)"
fi

if [ -z "${WALLETSVC_LEDGER_URL:-}" ]; then
  PG_PORT="${WALLETSVC_POSTGRES_PORT:-5440}"
  [ -f "$VAR/postgres.pw" ] || "$BIN/python" -c 'import secrets; print(secrets.token_hex(16))' \
    > "$VAR/postgres.pw"
  # The pgserver wheel's PostgreSQL; as root it runs as nobody (see walletsvc/ledger/localdb.py).
  "$BIN/python" -m walletsvc.ledger.localdb "$VAR/postgres" "$PG_PORT" "$VAR/postgres.pw" \
    >> "$VAR/postgres.log" 2>&1 &
  postgres_pid=$!
  export WALLETSVC_LEDGER_URL="postgresql://postgres:$(cat "$VAR/postgres.pw")@127.0.0.1:$PG_PORT/walletsvc"
  "$BIN/python" -c 'import os; from walletsvc.ledger.localdb import wait_ready
wait_ready(os.environ["WALLETSVC_LEDGER_URL"], 60)'
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, data in $VAR/postgres (the ledger)"
fi

# A demo wallet with 100.00 BRL, and a fresh launch token for it.
"$BIN/walletsvc" create-wallet --wallet-id demo-wallet --player demo-player --currency BRL \
  >/dev/null 2>&1 || true
"$BIN/walletsvc" deposit demo-wallet 100 --reference demo-initial-deposit >/dev/null
token=$("$BIN/walletsvc" issue-token demo-wallet --ttl 3600 | "$BIN/python" -c \
  'import json, sys; print(json.load(sys.stdin)["authToken"])')

"$BIN/python" - "$token" "$WALLETSVC_CONFIG_FILE" <<'PY'
import json, sys
from walletsvc.config import Config
config = Config.from_env()
(system_id, (secret, *_)), = list(config.parent_systems.items())[:1]
print(f"""
walletsvc demo credentials (kept in {sys.argv[2]})
  parent system id (x-parent-system-id): {system_id}
  parent system secret (signs requests): {secret}
  admin API key (Authorization: Bearer): {config.admin_api_key}
  reconciliation key:                    {config.reconciliation_api_key}
  demo wallet:                           demo-wallet (funded once with 100.00 BRL)
  launch token for demo-wallet (1 hour): {sys.argv[1]}
""")
PY

# The exporter moves every change into the ledger; it waits out a PostgreSQL restart.
"$BIN/walletsvc" ledger export --follow >> "$VAR/exporter.log" 2>&1 &
exporter_pid=$!
echo "ledger exporter running (log in $VAR/exporter.log)"

# Both in the background, so that this shell hears a signal at once (a foreground child would
# delay its traps until gunicorn exits) and stops everything itself. The operator's gunicorn
# lowers its own CPU priority (config/gunicorn-operator.conf.py): its reports take only what
# GPAS's workers leave.
"$BIN/gunicorn" -c config/gunicorn.conf.py wsgi:app &
gunicorn_pid=$!
WALLETSVC_OPERATOR_METRICS_DIR="${WALLETSVC_OPERATOR_METRICS_DIR:-$VAR/prometheus-operator}" \
  "$BIN/gunicorn" -c config/gunicorn-operator.conf.py &
operator_pid=$!
echo "GPAS routes on http://${WALLETSVC_BIND:-127.0.0.1:8000}; the admin API, the ledger's" \
  "reports and the docs (/docs) on http://${WALLETSVC_OPERATOR_BIND:-127.0.0.1:8001}"
status=0
wait -n "$gunicorn_pid" "$operator_pid" || status=$?   # either one exiting ends the run
exit "$status"
