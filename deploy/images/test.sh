#!/usr/bin/env bash
# Build the image, then run the seed's Examples A and B with the registry and the four consumers each
# in its own container of it (host network; this machine's RabbitMQ and PostgreSQL, a moto server the
# test starts). Same scenario and assertions as the process-level test: tests/e2e/launchers.py.
#
#   deploy/images/test.sh [IMAGE]         # what `make image-test` runs
set -euo pipefail
cd "$(dirname "$0")/../.."
# Tagged per work tree, so two trees on one machine never run each other's image.
IMAGE=${1:-schemaline:test-$(pwd | sha256sum | cut -c1-8)}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/images/containers.conf}

deploy/images/build.sh "$IMAGE"
SCHEMALINE_E2E_IMAGE=$IMAGE .venv/bin/pytest -p no:cacheprovider -q tests/e2e/test_examples_processes.py
