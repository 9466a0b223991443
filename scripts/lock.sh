#!/usr/bin/env bash
# Write requirements.lock: every production dependency (pyproject's dependencies, the `local`
# extra and the build backend) pinned with the hashes of its files, for Python 3.11 on any
# platform. `make lock` runs it; an existing lock's versions are kept unless pyproject's
# ranges exclude them, so re-running it changes nothing until pyproject does (tests/test_lock.py).
# Upgrade on purpose with: scripts/lock.sh requirements.lock --upgrade
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-requirements.lock}
shift || true
uv=${UV:-.venv/bin/uv}
# The build backend comes from pyproject's [build-system], so installing walletsvc itself with
# --no-build-isolation downloads nothing unlocked.
.venv/bin/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
  | "$uv" pip compile --quiet --no-config pyproject.toml - --extra local --generate-hashes \
      --universal --python-version 3.11 --custom-compile-command "make lock" \
      --output-file "$output" "$@"
