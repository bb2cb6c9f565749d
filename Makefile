# Schemaline developer targets. Every target bootstraps uv and the pinned virtualenv first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
SOURCES = $(wildcard shared services cli pipelines deploy/wiring tests bench)
# The uv workspace's members (pyproject.toml: [tool.uv.workspace]); the Dockerfile copies the same.
WORKSPACE = $(patsubst %/pyproject.toml,%,$(wildcard shared/*/pyproject.toml services/*/pyproject.toml cli/pyproject.toml pipelines/pyproject.toml deploy/wiring/pyproject.toml))
EXPORT := $(UV) export --quiet --hashes --no-emit-workspace --no-header --no-annotate

.PHONY: install demo test lint pytest bench lock schemas image-test compose-test wheels layer faults

install: $(VENV)/.installed

# Third-party packages: every pin of requirements.lock, hash-checked. Then the workspace's packages,
# editable, from their folders only: no index is asked (so no published schemaline-* name can stand in
# for one) and no build isolation (hatchling comes from the lock too); `pip check` says what is missing.
$(VENV)/.installed: requirements.lock $(addsuffix /pyproject.toml,$(WORKSPACE))
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@$(UV) venv --quiet --allow-existing --python ">=3.11" $(VENV)
	@$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	@$(UV) pip install --quiet --python $(BIN)/python --no-index --no-deps --no-build-isolation \
	  $(addprefix -e ./,$(WORKSPACE))
	@$(UV) pip check --quiet --python $(BIN)/python
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

# The fault suite (tests/faults, docs/reliability.md): services as processes on RabbitMQ and PostgreSQL,
# killed, cut off, poisoned; prints the table of figures. Not part of `make test`: it takes minutes.
faults: install
	@SCHEMALINE_FAULTS=1 $(BIN)/pytest -p no:randomly tests/faults $(PYTEST_ARGS)

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b $(BENCH_ARGS) || exit 1; done

# Re-resolve dependencies and rewrite the committed pins, each with its hashes and no address (uv.lock
# stays local: it records URLs): everything for development, what the services run (the image), and
# what builds the image (the `build` group: uv, hatchling).
lock:
	@$(UV) lock
	@$(EXPORT) --all-groups -o requirements.lock
	@$(EXPORT) --no-dev -o deploy/images/requirements.txt
	@$(EXPORT) --only-group build -o deploy/images/build-tools.txt

# The wheels the Glue jobs install from the artefact bucket (pipelines/jobs/*.json name them), built
# from this tree with no index; copy them to s3://schemaline-artifacts/glue/wheels/ with the job scripts.
WHEELS_DIR ?= dist/wheels
wheels: install
	@for package in shared/contracts shared/sdk shared/runtime pipelines deploy/wiring; do \
	  $(BIN)/uv build --quiet --wheel --no-index --no-build-isolation --python $(BIN)/python \
	    --out-dir $(WHEELS_DIR) $$package || exit 1; \
	done

# Build the image with podman, then run Examples A and B with every service in its own container.
image-test: install
	@deploy/images/test.sh

# docker-compose.yml under podman-compose (stand-ins for the third-party images), each bus profile,
# Examples A and B against it.
compose-test: install
	@deploy/images/compose-test.sh rabbitmq
	@deploy/images/compose-test.sh eventbridge

schemas: install
	@$(BIN)/schemaline contracts export docs/events

# The extractor Lambda's validation layer (deploy/aws: ValidationLayerKey), for python3.12 on x86_64.
layer: install
	@$(BIN)/python -m schemaline.deploy.layer dist/schemaline-validation-layer.zip --uv "$(UV)"
