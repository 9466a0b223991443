#!/usr/bin/env bash
# Install walletsvc on this host as docs/deployment.md describes; run as root from a checkout:
#
#   sudo scripts/install-host.sh              # onto this host
#   sudo scripts/install-host.sh --root DIR   # into DIR instead of / (the test suite does)
#
# The walletsvc system user; /srv/walletsvc (the code, root's, readable by walletsvc) with a
# virtual env installed from requirements.lock (every hash checked); /etc/walletsvc with the
# settings file (root:walletsvc 0640, created from config/walletsvc.env.example once, kept
# after); the systemd units (GPAS's, the operator's and the ledger exporter's); the cron jobs;
# `walletsvc` in /usr/local/bin for the operator commands; and, when nginx is installed, its
# walletsvc files.
# Run it again to upgrade.
set -euo pipefail

root=""
case "${1:-}" in
  --root) root=$(cd "${2:?--root needs a directory}" && pwd); root=${root%/} ;;
  "") ;;
  *) echo "usage: $0 [--root DIR]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "install-host.sh: run it as root" >&2; exit 1; }
source_dir=$(cd "$(dirname "$0")/.." && pwd)
app="$root/srv/walletsvc"
settings="$root/etc/walletsvc"
# The system Python 3.11 (the service user must be able to run it): PYTHON=... to choose.
python=${PYTHON:-/usr/bin/python3}

# The user: a system account with no login. Its home is /srv/walletsvc, made below
# (useradd --system makes no home folder).
prefix=()
[ -z "$root" ] || prefix=(--prefix "$root")
if ! grep -q '^walletsvc:' "$root/etc/passwd"; then
  useradd "${prefix[@]}" --system --user-group --home-dir /srv/walletsvc --no-create-home \
    --shell /usr/sbin/nologin walletsvc
fi
gid=$(awk -F: '$1 == "walletsvc" { print $4 }' "$root/etc/passwd")

# The folders: code and settings belong to root; the service may read them, never change them.
install -d -o root -g "$gid" -m 0750 "$app" "$settings"

# The code: the checkout's own files (no venv, var/ or git history), replacing an older copy.
find "$app" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
if git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$source_dir" ls-files -z --cached --others --exclude-standard \
    | tar -C "$source_dir" --null --ignore-failed-read -T - -cf - 2>/dev/null
else
  tar -C "$source_dir" --exclude=./.venv --exclude=./var --exclude=./.git -cf - .
fi | tar -C "$app" --no-same-owner -xf -

# The virtual env: exactly the locked versions, each file's hash checked, then walletsvc
# itself without dependencies (built with the locked setuptools, nothing else downloaded).
"$python" -m venv --clear "$app/.venv"
"$app/.venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r "$app/requirements.lock"
"$app/.venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
  --no-build-isolation "$app"
rm -rf "$app/build" "$app"/*.egg-info

# The settings file: created once with every secret empty (the service refuses to start until
# they are filled in); its owner and mode are put right on every run.
if [ ! -e "$settings/walletsvc.env" ]; then
  cp "$app/config/walletsvc.env.example" "$settings/walletsvc.env"
fi
chown root:"$gid" "$settings/walletsvc.env"
chmod 0640 "$settings/walletsvc.env"

# The services (GPAS's, the operator's, the ledger exporter), the cron jobs, and the operator's
# `walletsvc`.
for unit in walletsvc.service walletsvc-operator.service walletsvc-exporter.service; do
  install -D -m 0644 "$app/config/systemd/$unit" "$root/etc/systemd/system/$unit"
done
install -D -m 0644 "$app/config/cron/walletsvc" "$root/etc/cron.d/walletsvc"
install -D -m 0755 "$app/scripts/walletsvc-as-service-user" "$root/usr/local/bin/walletsvc"

# nginx, when it runs here: the snippets are replaced, the main file with the site values is
# written once (edit it: docs/deployment.md, "nginx").
if [ -d "$root/etc/nginx" ]; then
  install -d "$root/etc/nginx/walletsvc" "$root/etc/nginx/conf.d"
  install -m 0644 "$app"/config/nginx/walletsvc/*.conf "$root/etc/nginx/walletsvc/"
  [ -e "$root/etc/nginx/conf.d/walletsvc.conf" ] \
    || install -m 0644 "$app/config/nginx/walletsvc.conf" "$root/etc/nginx/conf.d/"
fi

if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
echo "walletsvc installed in $app; settings: $settings/walletsvc.env"
