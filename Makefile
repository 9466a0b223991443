# Everything a fresh machine needs, from Python 3.11 and make alone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Production dependencies, pinned with hashes (scripts/lock.sh, `make lock`).
LOCK := requirements.lock

.PHONY: run run-ha test lint install lock bench bench-matrix bench-reports bench-ledger \
	bench-restore bench-overload clean

## run: install, start a local redis-server (unless WALLETSVC_REDIS_URL is set) and gunicorn on :8000
run: $(VENV)/.run-installed
	scripts/run.sh

## run-ha: the same over a primary, a replica and three Sentinels under var/ha (docs/redis.md, "Watching a failover")
run-ha: $(VENV)/.run-installed
	scripts/run-ha.sh

# pytest's options under `make test`: the suite on 3 processes at once (pytest-xdist; its
# tests mostly wait on the servers they start, so more processes than the 2 cores pay, but
# 4 were no faster and 6 starved the failover scenarios), the tests of one xdist_group in one
# process, one after another. `make test PYTEST_PARALLEL=` runs the suite in one process.
PYTEST_PARALLEL ?= -n 3 --dist loadgroup

## test: install and run every check: ruff, mypy --strict, the whole pytest suite (in parallel)
test: $(VENV)/.test-installed
	$(BIN)/ruff check walletsvc devkit tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_PARALLEL)

lint: $(VENV)/.test-installed
	$(BIN)/ruff check walletsvc devkit tests bench
	$(BIN)/mypy

install: $(VENV)/.run-installed

## lock: re-pin requirements.lock after pyproject's dependencies changed (keeps other pins)
lock: | $(BIN)/python
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet 'uv>=0.13,<1'
	scripts/lock.sh

## bench: the benchmark (not part of `make test`; see bench/README.md), e.g. BENCH_ARGS="--repeat 2"
## Every bench target writes its results under var/bench/results; with BENCH_RECORD=1 it rewrites
## the recorded ones in bench/results instead, to be committed (bench/paths.py).
bench: $(VENV)/.bench-installed
	scripts/bench-tools.sh
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## bench-matrix: worker classes, nginx, appendfsync and a Redis Cluster, a run each (bench/matrix.py)
bench-matrix: $(VENV)/.bench-installed
	scripts/bench-tools.sh
	$(BIN)/python -m bench.matrix $(BENCH_ARGS)

## bench-restore: ledger restore's records per second, the baseline commit's and today's (bench/restore.py)
bench-restore: $(VENV)/.test-installed
	$(BIN)/python -m bench.restore $(BENCH_ARGS)

## bench-reports: GPAS's debit latency alone and beside ledger reports (bench/reports.py)
bench-reports: $(VENV)/.bench-installed
	scripts/bench-tools.sh
	$(BIN)/python -m bench.reports $(BENCH_ARGS)

## bench-overload: debits at 32, 64 and 256 connections, straight and through nginx: goodput, p99, 503s (bench/overload.py)
bench-overload: $(VENV)/.bench-installed
	scripts/bench-tools.sh
	$(BIN)/python -m bench.overload $(BENCH_ARGS)

## bench-ledger: the outbox's cost to a debit and the exporter's throughput and lag (bench/ledger.py)
bench-ledger: $(VENV)/.test-installed
	$(BIN)/python -m bench.ledger $(BENCH_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What production runs: the locked versions, every hash checked, then walletsvc itself alone.
$(VENV)/.run-installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Tests add their own tools, resolved from pyproject but held to the locked versions, so the
# suite runs what production runs (tests/test_lock.py checks the installed versions).
$(VENV)/constraints.txt: $(LOCK) | $(BIN)/python
	sed -e '/--hash=/d' -e 's/ *\\$$//' $(LOCK) > $@

$(VENV)/.test-installed: pyproject.toml $(LOCK) $(VENV)/constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt -e '.[local,test]'
	touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: pyproject.toml $(LOCK) $(VENV)/constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(VENV)/constraints.txt -e '.[local,test,bench]'
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
