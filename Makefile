# Everything a fresh machine needs, from Python 3.11 and make alone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run run-ha test lint install bench bench-ledger clean

## run: install, start a local redis-server (unless WALLETSVC_REDIS_URL is set) and gunicorn on :8000
run: $(VENV)/.run-installed
	scripts/run.sh

## run-ha: the same over a primary, a replica and three Sentinels under var/ha (README, Replication)
run-ha: $(VENV)/.run-installed
	scripts/run-ha.sh

## test: install and run every check: ruff, mypy --strict, the whole pytest suite
test: $(VENV)/.test-installed
	$(BIN)/ruff check walletsvc tests bench
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check walletsvc tests bench
	$(BIN)/mypy

install: $(VENV)/.run-installed

## bench: the benchmark (not part of `make test`; see bench/README.md), e.g. BENCH_ARGS="--repeat 2"
bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## bench-ledger: the outbox's cost to a debit and the exporter's throughput and lag (bench/ledger.py)
bench-ledger: $(VENV)/.test-installed
	$(BIN)/python -m bench.ledger $(BENCH_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local,test]'
	touch $@ $(VENV)/.run-installed

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[local,test,bench]'
	touch $@ $(VENV)/.test-installed $(VENV)/.run-installed

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
