#!/usr/bin/env bash
# Start walletsvc over a replicated Redis for a try-out: a primary and a replica (each kept
# running by a small supervisor that starts it again from its own files when it dies), three
# Sentinels, a local PostgreSQL for the ledger and the demo operators unless
# WALLETSVC_LEDGER_URL is set, the ledger exporter, and GPAS's gunicorn on :8000 and the operator's on :8001 finding the primary
# through the Sentinels, with WALLETSVC_REDIS_MIN_REPLICAS=1. Kill the primary (the script
# prints how) and watch. However it is stopped (Ctrl-C, SIGTERM to this script or to
# `make run-ha`, either gunicorn exiting),
# after a failover or not, it stops everything it started: nothing is left.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
VAR=${WALLETSVC_VAR_DIR:-var}
HA=$VAR/ha   # both nodes' and the Sentinels' files, the ledger's PostgreSQL, logs
MASTER=walletsvc
RESTART_DELAY="${WALLETSVC_HA_RESTART_DELAY:-5}"
declare -A PORT=([a]="${WALLETSVC_HA_PORT_A:-6391}" [b]="${WALLETSVC_HA_PORT_B:-6392}")
read -r -a SENTINEL_PORTS <<< "${WALLETSVC_HA_SENTINEL_PORTS:-26391 26392 26393}"
mkdir -p "$HA/a" "$HA/b"
HA_DIR=$(cd "$HA" && pwd)  # the servers' own --dir and dir: absolute
. scripts/run-common.sh  # stop, demo_secrets, start_postgres, demo_wallet, ... (shared with run.sh)

supervisors=()
sentinel_pids=()
postgres_pid=""
exporter_pid=""
gunicorn_pid=""
operator_pid=""
stop_all() {
  trap - EXIT INT TERM
  stop "$gunicorn_pid"                  # graceful: workers finish, then exit
  stop "$operator_pid"
  stop "$exporter_pid"                  # it finishes its batch first
  stop "$postgres_pid" INT              # PostgreSQL's fast shutdown
  for pid in "${sentinel_pids[@]}"; do  # first: no failover while the nodes stop
    stop "$pid"
  done
  for pid in "${supervisors[@]}"; do    # each stops its redis-server, then exits
    stop "$pid"
  done
  echo "run-ha: stopped everything it started"
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

# A port already taken (say, by a server an earlier run left) would have a supervisor start
# redis-server there again and again: say so and stop instead.
for port in "${PORT[a]}" "${PORT[b]}" "${SENTINEL_PORTS[@]}"; do
  if (: <> "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run-ha: something already listens on 127.0.0.1:$port; stop it first" >&2
    exit 1
  fi
done

demo_secrets "$VAR/demo.env"  # shared with `make run`; variables already set win
export WALLETSVC_CONFIG_FILE="${WALLETSVC_CONFIG_FILE:-$VAR/demo.env}"

supervise() {  # supervise NODE ARGS...: run redis-server; start it again when it dies
  local node=$1 child="" pause="" stopping=""
  shift
  # TERM stops the server (or the pause) and ends the loop; `stop` never fails, so set -e
  # cannot end the trap half-way (a `kill` of the finished pause did, leaving the server).
  trap 'stopping=1; stop "$pause"; stop "$child"' TERM
  while [ -z "$stopping" ]; do
    "$BIN/redis-server" --port "${PORT[$node]}" --bind 127.0.0.1 --dir "$HA_DIR/$node" \
      --appendonly yes --appendfsync always --save "" --logfile redis.log "$@" &
    child=$!
    echo "$child" > "$HA/$node.pid"
    [ -z "$stopping" ] || break  # TERM came before $child was known: stopped below
    wait "$child" || true
    [ -z "$stopping" ] || break
    echo "run-ha: redis-server $node (port ${PORT[$node]}) exited; its supervisor starts it" \
      "again from its own files in ${RESTART_DELAY} s" >&2
    sleep "$RESTART_DELAY" & pause=$!
    wait "$pause" || true
  done
  stop "$child"
}

wait_for_ping() {
  for _ in $(seq 100); do
    "$BIN/redis-cli" -p "$1" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "run-ha: nothing answers on port $1" >&2
  exit 1
}

# The node the Sentinels last called the primary (they record a failover in their config at
# once) starts as the primary: the other may have missed its last writes.
known=$(sed -n "s/^sentinel monitor $MASTER 127.0.0.1 \([0-9]*\) .*/\1/p" \
  "$HA/sentinel-${SENTINEL_PORTS[0]}/sentinel.conf" 2>/dev/null || true)
primary=$([ "$known" = "${PORT[b]}" ] && echo b || echo a)
replica=$([ "$primary" = a ] && echo b || echo a)
supervise "$primary" & supervisors+=($!)
wait_for_ping "${PORT[$primary]}"
supervise "$replica" --replicaof 127.0.0.1 "${PORT[$primary]}" & supervisors+=($!)
wait_for_ping "${PORT[$replica]}"
for _ in $(seq 100); do  # writes wait for the replica, so it must have synced first
  "$BIN/redis-cli" -p "${PORT[$replica]}" info replication | grep -q "master_link_status:up" \
    && break
  sleep 0.1
done

# Sentinels start from a fresh config naming that primary (they rewrite it as they learn).
sentinels=""
for port in "${SENTINEL_PORTS[@]}"; do
  dir="$HA_DIR/sentinel-$port"
  mkdir -p "$dir"
  cat > "$dir/sentinel.conf" <<EOF
port $port
bind 127.0.0.1
dir $dir
logfile sentinel.log
sentinel monitor $MASTER 127.0.0.1 ${PORT[$primary]} 2
sentinel down-after-milliseconds $MASTER 2000
sentinel failover-timeout $MASTER 30000
EOF
  "$BIN/redis-server" "$dir/sentinel.conf" --sentinel & sentinel_pids+=($!)
  wait_for_ping "$port"
  sentinels="${sentinels:+$sentinels,}127.0.0.1:$port"
done

export WALLETSVC_REDIS_URL="redis+sentinel://$sentinels/$MASTER/0"
export WALLETSVC_REDIS_MIN_REPLICAS="${WALLETSVC_REDIS_MIN_REPLICAS:-1}"

start_postgres "$HA"  # unless WALLETSVC_LEDGER_URL is set: a ledger of this Redis's own
demo_operators       # in that PostgreSQL: the schema, and the demo operators once
init_store
demo_wallet
print_credentials "$token"
write_settings "$HA/walletsvc.env"  # the URLs and secrets of this run, for the CLI
start_exporter "$HA/exporter.log"

cat <<EOF
walletsvc over a primary, a replica and three Sentinels (data and logs in $HA/)
  primary:   redis-server $primary on 127.0.0.1:${PORT[$primary]} (pid $(cat "$HA/$primary.pid"))
  replica:   redis-server $replica on 127.0.0.1:${PORT[$replica]} (pid $(cat "$HA/$replica.pid"))
  Sentinels: $sentinels
  WALLETSVC_REDIS_URL=$WALLETSVC_REDIS_URL
  WALLETSVC_REDIS_MIN_REPLICAS=$WALLETSVC_REDIS_MIN_REPLICAS

Kill the primary and watch the Sentinels promote the replica (about 3 s) and walletsvc follow:
  kill -9 \$(cat $HA/$primary.pid)
  $BIN/redis-cli -p ${SENTINEL_PORTS[0]} sentinel get-master-addr-by-name $MASTER
Its supervisor starts it again $RESTART_DELAY s later; the Sentinels make it the new primary's
replica. With MIN_REPLICAS=1 and one replica, writes answer 500/1001 until it is back.
EOF

serve "$HA"  # both gunicorns, until either exits
