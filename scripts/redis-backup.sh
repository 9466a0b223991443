#!/usr/bin/env bash
# Copy the append-only file of a running Redis into a new folder, consistent while Redis
# serves (docs/deployment.md, "Backup"). Run it on the Redis host, as a user that can read
# Redis's data folder:
#
#   scripts/redis-backup.sh /var/backups/walletsvc/$(date -u +%F) [redis-cli options]
#
# e.g. `-p 6379 --user backup --askpass`. Redis 7 and later keep the file as a folder
# (appenddirname, default appendonlydir/: a manifest, a base and increments); a rewrite that
# ran during the copy would leave a set that does not fit together, so rewrites are paused
# while it is copied and restored to their setting after. Redis 6.2 keeps one file
# (appendfilename, default appendonly.aof), only ever appended to or replaced whole.
set -euo pipefail
destination=${1:?usage: $0 DESTINATION [redis-cli options]}
shift
cli=${REDIS_CLI:-redis-cli}
redis() { "$cli" "$@" 2>&1; }
setting() { redis "${options[@]}" CONFIG GET "$1" | sed -n 2p; }
options=("$@")

[ "$(setting appendonly)" = yes ] || { echo "redis-backup: appendonly is off" >&2; exit 1; }
data=$(setting dir)
folder=$(setting appenddirname)      # empty before Redis 7
mkdir -p "$destination"
[ -z "$(ls -A "$destination")" ] || { echo "redis-backup: $destination is not empty" >&2; exit 1; }

if [ -n "$folder" ]; then
  previous=$(setting auto-aof-rewrite-percentage)
  trap 'redis "${options[@]}" CONFIG SET auto-aof-rewrite-percentage "$previous" >/dev/null' EXIT
  redis "${options[@]}" CONFIG SET auto-aof-rewrite-percentage 0 >/dev/null
  while redis "${options[@]}" INFO persistence \
      | grep -Eq '^aof_rewrite_(in_progress|scheduled):1'; do
    sleep 1
  done
  cp -a "$data/$folder" "$destination/"
else
  cp -a "$data/$(setting appendfilename)" "$destination/"
fi
echo "redis-backup: $(du -sh "$destination" | cut -f1) in $destination"
