# reproenv — set-up, demo and tests on a fresh Debian/Ubuntu machine (as root).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR := build/demo/sklearn-cpu

DEV_LOCK := requirements-dev.lock
DIST := build/dist

.PHONY: venv infra demo test lint unit e2e bench clean device-site lock-dev lock-dev-check \
	wheel smoke lowest package-check

# The host's pip and uv settings (pip.conf find-links, PIP_*/UV_* variables) stay out of every
# install here, so that the lock alone decides what gets installed.
NO_HOST_CONFIG := env $(addprefix -u ,$(filter PIP_% UV_%,$(.VARIABLES))) PIP_CONFIG_FILE=/dev/null
PIP := $(NO_HOST_CONFIG) $(BIN)/python -m pip --isolated --disable-pip-version-check
UV := $(NO_HOST_CONFIG) $(BIN)/uv --no-config
UV_VENV := $(UV) venv --quiet --no-python-downloads --python "$$(command -v $(PYTHON))"
# uv resolves the dev lock for every platform and Python the project supports
UV_COMPILE := $(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	--extra dev --custom-compile-command 'make lock-dev' pyproject.toml

# The dev environment, installed from the committed lock (hashes checked), then the project.
$(BIN)/reproenv: pyproject.toml $(DEV_LOCK)
	$(PYTHON) -m venv --clear $(VENV) || { command -v apt-get >/dev/null && apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && $(PYTHON) -m venv --clear $(VENV); }
	$(PIP) install --quiet --require-hashes -r $(DEV_LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

venv: $(BIN)/reproenv

# Re-pin the dev environment after a change to pyproject.toml (UPGRADE=1 moves every pin).
lock-dev: venv
	$(UV_COMPILE) $(if $(UPGRADE),--upgrade) -o $(DEV_LOCK)

# The committed dev lock still satisfies pyproject.toml (uv keeps the pins it finds).
lock-dev-check: venv
	@mkdir -p build && cp $(DEV_LOCK) build/$(DEV_LOCK)
	@$(UV_COMPILE) -o build/$(DEV_LOCK)
	@cmp -s $(DEV_LOCK) build/$(DEV_LOCK) || \
	  { diff $(DEV_LOCK) build/$(DEV_LOCK) | head -40; echo "$(DEV_LOCK) is stale: run make lock-dev"; exit 1; }
	@echo "$(DEV_LOCK) agrees with pyproject.toml"

wheel: venv
	rm -rf $(DIST)
	$(UV) build --quiet --no-build-isolation --python $(BIN)/python --out-dir $(DIST)

# The user's install: the wheel alone, no extras, at the newest versions the bounds allow.
smoke: wheel
	rm -rf build/smoke
	$(UV_VENV) build/smoke
	$(UV) pip install --quiet --refresh --python build/smoke/bin/python $(DIST)/*.whl
	$(UV) pip freeze --python build/smoke/bin/python | tr '\n' ' ' && echo
	$(BIN)/python scripts/cli_smoke.py build/smoke/bin/reproenv

# Every direct dependency at its lower bound: a bound that lies fails the unit tests or the smoke.
lowest: wheel
	rm -rf build/lowest
	$(UV_VENV) build/lowest
	$(UV) pip install --quiet --python build/lowest/bin/python --resolution lowest-direct \
	  -r pyproject.toml --extra dev
	$(UV) pip install --quiet --python build/lowest/bin/python --no-deps $(DIST)/*.whl
	$(UV) pip freeze --python build/lowest/bin/python | tr '\n' ' ' && echo
	build/lowest/bin/python -m pytest -q -p no:cacheprovider tests/unit tests/cli/test_usage.py
	$(BIN)/python scripts/cli_smoke.py build/lowest/bin/reproenv

package-check: lock-dev-check smoke lowest

# Docker engine, local registry, Python base image; prints `export NAME=value` lines.
infra:
	@bash scripts/infra.sh

demo: venv
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh "$(DEMO_DIR)"

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache  # the layers in pyproject.toml [tool.importlinter]
	$(BIN)/python scripts/check_sizes.py src  # modules <= 400 lines, functions <= 60

test: venv lint
	@eval "$$(bash scripts/infra.sh)" && $(BIN)/pytest $(PYTEST_ARGS)

# The editable install has no bytecode of its own (an installed wheel has): compile it first,
# so that no benchmark counts Python compiling reproenv's modules
bench: venv
	@$(BIN)/python -m compileall -q src
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_skeleton.py
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_lock.py
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_conda.py
	@eval "$$(bash scripts/infra.sh)" && PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench_image.py

clean:
	rm -rf build $(VENV)

# reproenv's dependencies for a GPU host that cannot download (Python 3.12 there), to carry
# along with scripts/gpu_host_check.sh
device-site: venv
	rm -rf build/device-site/py312
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(BIN)/pip install -q --target build/device-site/py312 \
	  --python-version 3.12 --only-binary=:all: --platform manylinux_2_17_x86_64 --implementation cp \
	  --no-compile typer rich pydantic httpx jinja2 packaging tomli-w
