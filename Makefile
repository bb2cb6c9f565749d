# Schemaline developer targets. Every target bootstraps uv and the pinned virtualenv first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
SOURCES = $(wildcard shared services cli pipelines deploy/wiring tests bench)

.PHONY: install demo test lint pytest bench lock schemas layer

install: $(VENV)/.installed

# The build backend is pinned too (deploy/build-constraints.txt): the editable installs, the image
# and the Lambda layer build the workspace packages with the same hatchling.
$(VENV)/.installed: requirements.lock deploy/build-constraints.txt
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) venv --quiet --allow-existing --python ">=3.11" $(VENV)
	@$(UV) pip install --quiet --python $(BIN)/python --build-constraints deploy/build-constraints.txt -r requirements.lock
	@touch $@

demo: install
	@$(BIN)/schemaline demo

lint: install
	@$(BIN)/ruff check $(SOURCES)
	@$(BIN)/ruff format --check $(SOURCES)
	@$(BIN)/mypy $$(find $(SOURCES) -name '*.py')
	@$(BIN)/lint-imports --no-cache --no-logo

pytest: install
	@$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done

# Re-resolve dependencies and rewrite the committed pins (uv.lock stays local: it records URLs).
lock:
	@$(UV) lock
	@$(UV) export --quiet --no-hashes --all-groups --no-header --no-annotate -o requirements.lock

schemas: install
	@$(BIN)/schemaline contracts export docs/events

# The extractor Lambda's validation layer (deploy/aws: ValidationLayerKey), for python3.12 on x86_64.
layer: install
	@$(BIN)/python -m schemaline.deploy.layer dist/schemaline-validation-layer.zip --uv "$(UV)"
