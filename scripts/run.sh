#!/usr/bin/env bash
# Start walletsvc for a try-out: demo credentials, a local redis-server unless
# WALLETSVC_REDIS_URL is set, a local PostgreSQL for the ledger and the demo operators (each
# with its API token, devkit/operators.py) unless WALLETSVC_LEDGER_URL is set, a demo wallet
# with a launch token, this run's settings in $VAR/walletsvc.env (the CLI
# runs on the same store and ledger with WALLETSVC_CONFIG_FILE pointing there), the ledger
# exporter, a stub OpenID Connect provider to sign in with (docs/signin.md), and two gunicorns:
# GPAS's on :8000 and the operator's (admin API, ledger reports, docs, sign-in) on :8001.
# However it is stopped (Ctrl-C, SIGTERM to this script or to `make run`, either gunicorn
# exiting), it stops both gunicorns with their workers, the exporter, and the servers it
# started: nothing is left.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${WALLETSVC_VAR_DIR:-var}   # demo secrets, Redis's and PostgreSQL's files, logs
mkdir -p "$VAR/redis"
. scripts/run-common.sh  # stop, demo_secrets, start_postgres, demo_wallet, ... (shared with run-ha.sh)

redis_pid=""
postgres_pid=""
exporter_pid=""
gunicorn_pid=""
operator_pid=""
oidc_pid=""
stop_all() {
  trap - EXIT INT TERM
  stop "$gunicorn_pid"                  # graceful: workers finish, then exit
  stop "$operator_pid"
  stop "$oidc_pid"
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
demo_secrets "$VAR/demo.env"
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

start_postgres "$VAR"  # unless WALLETSVC_LEDGER_URL is set
demo_operators        # in that PostgreSQL: the schema, and the demo operators once

init_store

start_oidc_stub "$VAR"  # signing in: the cookie's key and a stub provider (unless one is set)

# A demo wallet with 100.00 BRL, and a fresh launch token for it.
demo_wallet
print_credentials "$token"
write_settings "$VAR/walletsvc.env"  # the URLs and secrets of this run, for the CLI

start_exporter "$VAR/exporter.log"

serve "$VAR"  # both gunicorns, until either exits
