# reproenv — set-up, demo and tests on a fresh Debian/Ubuntu machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo/sklearn-cpu

.PHONY: venv infra demo test lint unit e2e bench clean device-site

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

# reproenv's dependencies for a GPU host that cannot download (Python 3.12 there), to carry
# along with scripts/gpu_host_check.sh
device-site: venv
	rm -rf build/device-site/py312
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(BIN)/pip install -q --target build/device-site/py312 \
	  --python-version 3.12 --only-binary=:all: --platform manylinux_2_17_x86_64 --implementation cp \
	  --no-compile typer rich pydantic httpx jinja2 packaging tomli-w
