#!/usr/bin/env bash
# The system programs the benchmark drives: wrk (the load generator), nginx (--proxy nginx) and
# valgrind (bench.instructions), from Debian's packages. Installed only when absent, as .ci/run installs the suite's; a
# package's own service is never started here (policy-rc.d). Not root: say what to install.
set -euo pipefail
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the benchmark needs: ${missing[*]}; install them with" \
       "\`sudo apt-get install ${missing[*]}\` (Debian's packages) and run it again" >&2
  exit 1
fi
made_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  made_policy=1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
  >/dev/null
[ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
