# defpact: two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test slow lint typecheck imports unit bench soak install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Create the venv, initialise var/defpact.db with the founding pact and demo data, serve on :8000
run: install
	$(BIN)/defpact init
	$(BIN)/defpact demo
	$(BIN)/defpact serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install-test
	$(BIN)/mypy

imports: install-test
	$(BIN)/lint-imports

## Lint, format check, mypy --strict, import contracts, then the whole test suite
test: lint typecheck imports
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow" $(PYTEST_ARGS)

## The slow proofs: schemathesis over the whole API and the SIGKILL crash-consistency harness
slow: install-test
	$(BIN)/pytest -m slow -rP $(PYTEST_ARGS)

## Benchmarks against the peers named in the issues (QUICK=1: short bounded versions for CI)
bench: install-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	for setup in bench/setup_*.sh; do bash "$$setup" || exit 1; done
	$(BIN)/python bench/run_all.py $(if $(QUICK),--quick,)

## Long soak, crash and load runs (QUICK=1: short bounded versions for CI)
soak: install-test
	$(BIN)/python bench/soak.py $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
