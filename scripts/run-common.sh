# What scripts/run.sh and scripts/run-ha.sh both start, sourced by them (not run on its own):
# demo secrets, the local PostgreSQL with the demo operators, the demo wallet, the credentials
# to paste, the settings file of the run (for the CLI), the exporter.
# The caller sets BIN (the virtual env's bin) and stops what these start (the *_pid variables).

stop() {  # stop PID [SIGNAL]: signal a child we started, then wait for it; never fails
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill "-${2:-TERM}" "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}

demo_secrets() {  # demo_secrets FILE: made once; variables already set win over the file
  if [ -f "$1" ]; then
    # The shared admin key a file of an older run holds is retired: operators have tokens.
    sed -i '/^WALLETSVC_ADMIN_API_KEY=/d' "$1"
    return 0
  fi
  "$BIN/python" - > "$1" <<'PY'
import json, secrets
print("WALLETSVC_PARENT_SYSTEMS=" + json.dumps({"DEMO01": secrets.token_hex(16)}))
print("WALLETSVC_RECONCILIATION_API_KEY=" + secrets.token_hex(24))
PY
}

start_postgres() {  # start_postgres DIR: the ledger's PostgreSQL, data in DIR/postgres (postgres_pid)
  [ -n "${WALLETSVC_LEDGER_URL:-}" ] && return 0
  local dir=$1 port="${WALLETSVC_POSTGRES_PORT:-5440}"
  [ -f "$dir/postgres.pw" ] || "$BIN/python" -c 'import secrets; print(secrets.token_hex(16))' \
    > "$dir/postgres.pw"
  # The pgserver wheel's PostgreSQL; as root it runs as nobody (see devkit/postgres.py).
  "$BIN/python" -m devkit.postgres "$dir/postgres" "$port" "$dir/postgres.pw" \
    >> "$dir/postgres.log" 2>&1 &
  postgres_pid=$!
  export WALLETSVC_LEDGER_URL="postgresql://postgres:$(cat "$dir/postgres.pw")@127.0.0.1:$port/walletsvc"
  "$BIN/python" -c 'import os; from devkit.postgres import wait_ready
wait_ready(os.environ["WALLETSVC_LEDGER_URL"], 60)'
  echo "PostgreSQL on 127.0.0.1:$port, data in $dir/postgres (the ledger)"
}

demo_operators() {  # the ledger's schema and, once, the demo operators (devkit/operators.py);
  # operator_token: whose API token the CLI's commands that act on a player or on money use,
  # the platform's unless WALLETSVC_OPERATOR_TOKEN is set. Only in the PostgreSQL started
  # here: their tokens are in this repository. A ledger given by WALLETSVC_LEDGER_URL gets none
  # (`walletsvc operators bootstrap` makes a first operator, docs/operators.md).
  operator_token=${WALLETSVC_OPERATOR_TOKEN:-}
  [ -n "$postgres_pid" ] || return 0
  "$BIN/python" -m devkit.operators "$WALLETSVC_LEDGER_URL"
  [ -n "$operator_token" ] || operator_token=$("$BIN/python" -c \
    'from devkit.operators import PLATFORM_TOKEN; print(PLATFORM_TOKEN)')
}

init_store() {  # mark a new store ready; refuse one that lost its data (restore it instead)
  # docs/runbooks/store-lost-data.md: e.g. var/redis gone while the ledger is kept.
  "$BIN/walletsvc" store init >/dev/null
}

demo_wallet() {  # demo-wallet with 100.00 BRL (once), and a fresh launch token for it (token)
  as_operator create-wallet --wallet-id demo-wallet --player demo-player --currency BRL \
    >/dev/null 2>&1 || true
  as_operator deposit demo-wallet 100 --reference demo-initial-deposit >/dev/null
  token=$(as_operator issue-token demo-wallet --ttl 3600 | "$BIN/python" -c \
    'import json, sys; print(json.load(sys.stdin)["authToken"])')
}

as_operator() {  # as_operator ARGS...: the CLI as the operator of operator_token (demo_operators)
  WALLETSVC_OPERATOR_TOKEN="$operator_token" "$BIN/walletsvc" "$@"
}

print_credentials() {  # print_credentials TOKEN: each value exactly as it is pasted
  "$BIN/python" - "$1" "$WALLETSVC_CONFIG_FILE" "${postgres_pid:+demo}" \
    "http://${WALLETSVC_OPERATOR_BIND:-127.0.0.1:8001}" <<'PY'
import sys
from devkit.operators import sign_in_lines
from walletsvc.config import Config
config = Config.from_env()
(system_id, (secret, *_)), = list(config.parent_systems.items())[:1]
print(f"""
walletsvc demo credentials (kept in {sys.argv[2]})
  parent system id (x-parent-system-id): {system_id}
  parent system secret (signs requests): {secret}
  reconciliation key:                    {config.reconciliation_api_key}
  demo wallet:                           demo-wallet (funded once with 100.00 BRL)
  launch token for demo-wallet (1 hour): {sys.argv[1]}
""")
if sys.argv[3]:
    print(f"operators: each calls {sys.argv[4]}/admin/... with its own API token")
    print("(Authorization: Bearer <token>); name, kind, roles, token (docs/operators.md):")
    for line in sign_in_lines():
        print(f"  {line}")
else:
    print("operators: none added to the ledger at WALLETSVC_LEDGER_URL; make the first one with")
    print("`walletsvc operators bootstrap` (docs/operators.md)")
print()
PY
}

write_settings() {  # write_settings FILE: this run's settings in one file, for the CLI too
  # The settings file in use (the demo secrets) with every WALLETSVC_ variable of the run over
  # it, the store's and the ledger's URLs among them: a shell elsewhere runs the CLI on the same
  # store and ledger with WALLETSVC_CONFIG_FILE=FILE. From here on the servers read it too.
  # An operator's token is not a setting: each person passes their own, in the environment.
  "$BIN/python" - "$1" "$BIN/walletsvc" "$operator_token" <<'PY'
import os, sys
from pathlib import Path
from walletsvc.config import read_env_file

target, cli = Path(sys.argv[1]).absolute(), Path(sys.argv[2]).absolute()
acting = f"WALLETSVC_OPERATOR_TOKEN={sys.argv[3]} " if sys.argv[3] else ""
given = os.environ.get("WALLETSVC_CONFIG_FILE")
settings = read_env_file(Path(given)) if given else {}
settings |= {name: value for name, value in os.environ.items()
             if name.startswith("WALLETSVC_")
             and name not in ("WALLETSVC_CONFIG_FILE", "WALLETSVC_OPERATOR_TOKEN")}
lines = [f"{name}={value}" for name, value in sorted(settings.items()) if "\n" not in value]
with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
    out.write("# walletsvc's settings of this `make run` (or run-ha), written at each start: the\n"
              "# demo secrets and the run's WALLETSVC_ variables. WALLETSVC_CONFIG_FILE=<this file>\n")
    out.write("\n".join(lines) + "\n")
print(f"""this run's settings, for the CLI too: {target}
  store:  {settings.get("WALLETSVC_REDIS_URL", "")}
  ledger: {settings.get("WALLETSVC_LEDGER_URL", "")}
the CLI on this store and ledger, from any shell (`walletsvc --help` lists the commands); one
that acts on a player or on money runs as the operator whose token WALLETSVC_OPERATOR_TOKEN holds:
  WALLETSVC_CONFIG_FILE={target} {acting}{cli} show-wallet demo-wallet
  WALLETSVC_CONFIG_FILE={target} {cli} ledger status
""")
PY
  export WALLETSVC_CONFIG_FILE="$1"
}

start_exporter() {  # start_exporter LOG: the ledger exporter in the background (exporter_pid)
  # It moves every change into the ledger; it waits out a PostgreSQL restart.
  "$BIN/walletsvc" ledger export --follow >> "$1" 2>&1 &
  exporter_pid=$!
  echo "ledger exporter running (log in $1)"
}

serve() {  # serve VAR: GPAS's and the operator's gunicorns (gunicorn_pid, operator_pid) until
  # either exits; then return its status. Both in the background, so that the calling shell
  # hears a signal at once (a foreground child would delay its traps until gunicorn exits) and
  # stops everything itself. The operator's gunicorn lowers its own CPU priority
  # (config/gunicorn-operator.conf.py): its reports take only what GPAS's workers leave.
  "$BIN/gunicorn" -c config/gunicorn.conf.py wsgi:app &
  gunicorn_pid=$!
  WALLETSVC_OPERATOR_METRICS_DIR="${WALLETSVC_OPERATOR_METRICS_DIR:-$1/prometheus-operator}" \
    "$BIN/gunicorn" -c config/gunicorn-operator.conf.py &
  operator_pid=$!
  echo "GPAS routes on http://${WALLETSVC_BIND:-127.0.0.1:8000}; the admin API, the ledger's" \
    "reports and the docs (/docs) on http://${WALLETSVC_OPERATOR_BIND:-127.0.0.1:8001}"
  local status=0
  wait -n "$gunicorn_pid" "$operator_pid" || status=$?
  return "$status"
}

start_oidc_stub() {  # start_oidc_stub DIR: signing in to the demo (oidc_pid; docs/signin.md)
  # The session cookie's key, made once and kept in DIR/secret_key; the operator's listener is
  # plain http on loopback, so the cookie goes without Secure. Unless WALLETSVC_OIDC_ISSUER is
  # set, a stub OpenID Connect provider on loopback (devkit/oidc.py) that signs in any demo
  # person named by ?login_hint= (adam-admin without one), with no password.
  local dir=$1 bind="${WALLETSVC_OPERATOR_BIND:-127.0.0.1:8001}" secret
  [ -f "$dir/secret_key" ] || "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' \
    > "$dir/secret_key"
  export WALLETSVC_SECRET_KEY="${WALLETSVC_SECRET_KEY:-$(cat "$dir/secret_key")}"
  export WALLETSVC_OPERATOR_PLAIN_HTTP="${WALLETSVC_OPERATOR_PLAIN_HTTP:-1}"
  [ -n "${WALLETSVC_OIDC_ISSUER:-}" ] && return 0
  secret=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(16))')
  export WALLETSVC_OIDC_CLIENT_ID=walletsvc-demo WALLETSVC_OIDC_CLIENT_SECRET="$secret"
  export WALLETSVC_OIDC_REDIRECT_URL="http://$bind/admin/signin/oidc/callback"
  rm -f "$dir/oidc-issuer"
  "$BIN/python" -m devkit.oidc --port "${WALLETSVC_OIDC_STUB_PORT:-0}" \
    --client-id "$WALLETSVC_OIDC_CLIENT_ID" --client-secret "$secret" \
    --redirect-uri "$WALLETSVC_OIDC_REDIRECT_URL" --issuer-file "$dir/oidc-issuer" \
    >> "$dir/oidc.log" 2>&1 &
  oidc_pid=$!
  for _ in $(seq 100); do
    [ -s "$dir/oidc-issuer" ] && break
    sleep 0.1
  done
  WALLETSVC_OIDC_ISSUER=$(cat "$dir/oidc-issuer")
  export WALLETSVC_OIDC_ISSUER
  echo "stub OpenID Connect provider at $WALLETSVC_OIDC_ISSUER; sign in with a browser at" \
    "http://$bind/admin/signin/oidc?login_hint=adam-admin&next=/console/ (or another demo" \
    "person's name), then use the support console at http://$bind/console/"
}
