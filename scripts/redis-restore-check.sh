#!/usr/bin/env bash
# Start a throwaway redis-server on loopback from a backup made by redis-backup.sh, to check
# it (docs/deployment.md, "Backup"): it loads the copy and keeps running until you stop it.
#
#   scripts/redis-restore-check.sh /var/backups/walletsvc/2026-11-22 [PORT]
#
# Use a redis-server of the same major version as the one backed up (REDIS_SERVER=...). The
# same copy, put in a new server's `dir`, is also how a real restore starts.
set -euo pipefail
backup=${1:?usage: $0 BACKUP [PORT]}
port=${2:-6399}
server=${REDIS_SERVER:-redis-server}
cli=${REDIS_CLI:-redis-cli}
data=$(mktemp -d /tmp/walletsvc-restore.XXXXXX)
cp -a "$backup"/. "$data/"
aof=(--appendonly yes)
if [ -d "$data/appendonlydir" ]; then
  aof+=(--appenddirname appendonlydir)
fi
"$server" --port "$port" --bind 127.0.0.1 --dir "$data" --save "" "${aof[@]}" \
  --daemonize yes --logfile "$data/redis.log" --pidfile "$data/redis.pid"
for _ in $(seq 100); do
  if [ "$("$cli" -p "$port" PING 2>/dev/null)" = PONG ]; then
    echo "restored copy on 127.0.0.1:$port in $data: $("$cli" -p "$port" DBSIZE) keys"
    echo "check it: WALLETSVC_REDIS_URL=redis://127.0.0.1:$port/0 walletsvc show-wallet <wallet>"
    echo "stop it:  $cli -p $port shutdown nosave && rm -r $data"
    exit 0
  fi
  sleep 0.1
done
echo "redis-restore-check: the copy did not load, see $data/redis.log" >&2
exit 1
