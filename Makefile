# reproenv — set-up, demo and tests on a fresh Debian/Ubuntu machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo/sklearn-cpu

.PHONY: venv infra demo test lint unit e2e bench clean

$(BIN)/reproenv: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(BIN)/reproenv

# Docker engine, local registry, Python base image; prints `export NAME=value` lines.
infra:
	@bash scripts/infra.sh

demo: venv
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh "$(DEMO_DIR)"

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

test: venv lint
	@eval "$$(bash scripts/infra.sh)" && $(BIN)/pytest $(PYTEST_ARGS)

bench: venv
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_skeleton.py
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_lock.py

clean:
	rm -rf build $(VENV)
