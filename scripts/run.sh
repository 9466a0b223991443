#!/usr/bin/env bash
# Start walletsvc for a try-out: demo credentials, a local redis-server unless
# WALLETSVC_REDIS_URL is set, a local PostgreSQL for the ledger unless WALLETSVC_LEDGER_URL is
# set, a demo wallet with a launch token, the ledger exporter, and gunicorn on :8000.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/redis

# Demo secrets are made once and kept in var/demo.env; variables already set win.
if [ ! -f var/demo.env ]; then
  "$BIN/python" - > var/demo.env <<'PY'
import json, secrets
print("WALLETSVC_PARENT_SYSTEMS=" + json.dumps({"DEMO01": secrets.token_hex(16)}))
print("WALLETSVC_ADMIN_API_KEY=" + secrets.token_hex(24))
print("WALLETSVC_RECONCILIATION_API_KEY=" + secrets.token_hex(24))
PY
fi
export WALLETSVC_CONFIG_FILE="${WALLETSVC_CONFIG_FILE:-var/demo.env}"

redis_pid=""
stop_redis() {
  if [ -n "$redis_pid" ]; then
    "$BIN/redis-cli" -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || kill "$redis_pid" 2>/dev/null || true
  fi
}
postgres_pid=""
exporter_pid=""
stop_ledger() {
  # The exporter first: it finishes its batch; then PostgreSQL (fast shutdown on SIGINT).
  if [ -n "$exporter_pid" ]; then kill "$exporter_pid" 2>/dev/null || true; wait "$exporter_pid" 2>/dev/null || true; fi
  if [ -n "$postgres_pid" ]; then kill -INT "$postgres_pid" 2>/dev/null || true; wait "$postgres_pid" 2>/dev/null || true; fi
}
trap 'stop_ledger; stop_redis' EXIT

if [ -z "${WALLETSVC_REDIS_URL:-}" ]; then
  REDIS_PORT="${WALLETSVC_REDIS_PORT:-6390}"
  # Append-only file, fsync on every write: a 200 answered is a movement on disk.
  "$BIN/redis-server" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$PWD/var/redis" \
    --appendonly yes --appendfsync "${WALLETSVC_REDIS_APPENDFSYNC:-always}" \
    --save "" --daemonize no --logfile "$PWD/var/redis/redis.log" &
  redis_pid=$!
  export WALLETSVC_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  for _ in $(seq 50); do
    "$BIN/redis-cli" -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "redis-server on 127.0.0.1:$REDIS_PORT, data in var/redis (append-only, fsync always)"
fi

if [ -z "${WALLETSVC_LEDGER_URL:-}" ]; then
  PG_PORT="${WALLETSVC_POSTGRES_PORT:-5440}"
  [ -f var/postgres.pw ] || "$BIN/python" -c 'import secrets; print(secrets.token_hex(16))' > var/postgres.pw
  # The pgserver wheel's PostgreSQL; as root it runs as nobody (see walletsvc/ledger/localdb.py).
  "$BIN/python" -m walletsvc.ledger.localdb var/postgres "$PG_PORT" var/postgres.pw \
    >> var/postgres.log 2>&1 &
  postgres_pid=$!
  export WALLETSVC_LEDGER_URL="postgresql://postgres:$(cat var/postgres.pw)@127.0.0.1:$PG_PORT/walletsvc"
  "$BIN/python" -c 'import os; from walletsvc.ledger.localdb import wait_ready
wait_ready(os.environ["WALLETSVC_LEDGER_URL"], 60)'
  echo "PostgreSQL on 127.0.0.1:$PG_PORT, data in var/postgres (the ledger)"
fi

# A demo wallet with 100.00 BRL, and a fresh launch token for it.
"$BIN/walletsvc" create-wallet --wallet-id demo-wallet --player demo-player --currency BRL \
  >/dev/null 2>&1 || true
"$BIN/walletsvc" deposit demo-wallet 100 --reference demo-initial-deposit >/dev/null
token=$("$BIN/walletsvc" issue-token demo-wallet --ttl 3600 | "$BIN/python" -c \
  'import json, sys; print(json.load(sys.stdin)["authToken"])')

"$BIN/python" - "$token" <<'PY'
import json, sys
from walletsvc.config import Config
config = Config.from_env()
(system_id, (secret, *_)), = list(config.parent_systems.items())[:1]
print(f"""
walletsvc demo credentials (kept in var/demo.env)
  parent system id (x-parent-system-id): {system_id}
  parent system secret (signs requests): {secret}
  admin API key (Authorization: Bearer): {config.admin_api_key}
  reconciliation key:                    {config.reconciliation_api_key}
  demo wallet:                           demo-wallet (funded once with 100.00 BRL)
  launch token for demo-wallet (1 hour): {sys.argv[1]}
""")
PY

# The exporter moves every change into the ledger; it waits out a PostgreSQL restart.
"$BIN/walletsvc" ledger export --follow >> var/exporter.log 2>&1 &
exporter_pid=$!
echo "ledger exporter running (log in var/exporter.log)"

"$BIN/gunicorn" -c config/gunicorn.conf.py wsgi:app
