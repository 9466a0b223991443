#!/usr/bin/env bash
# Start walletsvc over a replicated Redis for a try-out: a primary and a replica (each kept
# running by a small supervisor that starts it again from its own files when it dies), three
# Sentinels, and gunicorn on :8000 finding the primary through the Sentinels, with
# WALLETSVC_REDIS_MIN_REPLICAS=1. Kill the primary (the script prints how) and watch.
# Everything it started is stopped when it exits, however it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HA=var/ha
MASTER=walletsvc
RESTART_DELAY="${WALLETSVC_HA_RESTART_DELAY:-5}"
declare -A PORT=([a]="${WALLETSVC_HA_PORT_A:-6391}" [b]="${WALLETSVC_HA_PORT_B:-6392}")
read -r -a SENTINEL_PORTS <<< "${WALLETSVC_HA_SENTINEL_PORTS:-26391 26392 26393}"
mkdir -p "$HA/a" "$HA/b"

# Demo secrets, shared with `make run`: made once in var/demo.env; variables already set win.
if [ ! -f var/demo.env ]; then
  "$BIN/python" - > var/demo.env <<'PY'
import json, secrets
print("WALLETSVC_PARENT_SYSTEMS=" + json.dumps({"DEMO01": secrets.token_hex(16)}))
print("WALLETSVC_ADMIN_API_KEY=" + secrets.token_hex(24))
print("WALLETSVC_RECONCILIATION_API_KEY=" + secrets.token_hex(24))
PY
fi
export WALLETSVC_CONFIG_FILE="${WALLETSVC_CONFIG_FILE:-var/demo.env}"

started=()  # supervisors, Sentinels and gunicorn, stopped in reverse order on exit

cleanup() {
  trap - EXIT INT TERM
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    kill "${started[$i]}" 2>/dev/null || true
    wait "${started[$i]}" 2>/dev/null || true
  done
  echo "run-ha: stopped everything it started"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

supervise() {  # supervise NODE ARGS...: run redis-server; start it again when it dies
  local node=$1 child="" pause=""
  shift
  trap '[ -n "$pause" ] && kill "$pause" 2>/dev/null; [ -n "$child" ] && kill "$child" \
    2>/dev/null; wait; exit 0' TERM
  while true; do
    "$BIN/redis-server" --port "${PORT[$node]}" --bind 127.0.0.1 --dir "$PWD/$HA/$node" \
      --appendonly yes --appendfsync always --save "" --logfile redis.log "$@" &
    child=$!
    echo "$child" > "$HA/$node.pid"
    wait "$child" || true
    echo "run-ha: redis-server $node (port ${PORT[$node]}) exited; its supervisor starts it" \
      "again from its own files in ${RESTART_DELAY} s" >&2
    sleep "$RESTART_DELAY" & pause=$!
    wait "$pause" || true
  done
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
supervise "$primary" & started+=($!)
wait_for_ping "${PORT[$primary]}"
supervise "$replica" --replicaof 127.0.0.1 "${PORT[$primary]}" & started+=($!)
wait_for_ping "${PORT[$replica]}"
for _ in $(seq 100); do  # writes wait for the replica, so it must have synced first
  "$BIN/redis-cli" -p "${PORT[$replica]}" info replication | grep -q "master_link_status:up" \
    && break
  sleep 0.1
done

# Sentinels start from a fresh config naming that primary (they rewrite it as they learn).
sentinels=""
for port in "${SENTINEL_PORTS[@]}"; do
  dir="$PWD/$HA/sentinel-$port"
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
  "$BIN/redis-server" "$dir/sentinel.conf" --sentinel & started+=($!)
  wait_for_ping "$port"
  sentinels="${sentinels:+$sentinels,}127.0.0.1:$port"
done

export WALLETSVC_REDIS_URL="redis+sentinel://$sentinels/$MASTER/0"
export WALLETSVC_REDIS_MIN_REPLICAS="${WALLETSVC_REDIS_MIN_REPLICAS:-1}"

# A demo wallet with 100.00 BRL, and a fresh launch token for it.
"$BIN/walletsvc" create-wallet --wallet-id demo-wallet --player demo-player --currency BRL \
  >/dev/null 2>&1 || true
"$BIN/walletsvc" deposit demo-wallet 100 --reference demo-initial-deposit >/dev/null
token=$("$BIN/walletsvc" issue-token demo-wallet --ttl 3600 | "$BIN/python" -c \
  'import json, sys; print(json.load(sys.stdin)["authToken"])')
secret=$("$BIN/python" -c 'from walletsvc.config import Config
print(next(iter(Config.from_env().parent_systems.values())))')

cat <<EOF

walletsvc over a primary, a replica and three Sentinels (data and logs in $HA/)
  primary:   redis-server $primary on 127.0.0.1:${PORT[$primary]} (pid $(cat "$HA/$primary.pid"))
  replica:   redis-server $replica on 127.0.0.1:${PORT[$replica]} (pid $(cat "$HA/$replica.pid"))
  Sentinels: $sentinels
  WALLETSVC_REDIS_URL=$WALLETSVC_REDIS_URL
  WALLETSVC_REDIS_MIN_REPLICAS=$WALLETSVC_REDIS_MIN_REPLICAS
  parent system DEMO01, secret $secret; launch token for demo-wallet: $token

Kill the primary and watch the Sentinels promote the replica (about 3 s) and walletsvc follow:
  kill -9 \$(cat $HA/$primary.pid)
  $BIN/redis-cli -p ${SENTINEL_PORTS[0]} sentinel get-master-addr-by-name $MASTER
Its supervisor starts it again $RESTART_DELAY s later; the Sentinels make it the new primary's
replica. With MIN_REPLICAS=1 and one replica, writes answer 500/1001 until it is back.
EOF

"$BIN/gunicorn" -c config/gunicorn.conf.py wsgi:app & started+=($!)
wait "${started[-1]}"
