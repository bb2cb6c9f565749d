#!/usr/bin/env bash
# docker-compose.yml for real, with podman-compose, where no container registry is reachable: the
# image of ./Dockerfile for our containers, stand-ins built from Debian's packages for PostgreSQL,
# RabbitMQ, moto and Prometheus, the collector and Jaeger left out (compose.here.yml), free host
# ports (*_HOST_PORT); then Examples A and B against the stack, and the console's pages of Example B
# through its compose service (tests/e2e/compose_examples.py), then down with its volumes. Each run is its own compose project: it never meets another stack here.
#
#   deploy/images/compose-test.sh [rabbitmq|eventbridge]    # `make compose-test` runs both
set -euo pipefail
cd "$(dirname "$0")/../.."
PROFILE=${1:-rabbitmq}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/images/containers.conf}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

deploy/images/build.sh schemaline:local     # the tag docker-compose.yml runs
stand_in=(podman build --quiet --format docker --network host)
[[ -s $CA_BUNDLE ]] && stand_in+=(--secret "id=ca-bundle,src=$CA_BUNDLE")
for target in postgres rabbitmq moto prometheus otel-collector; do
  "${stand_in[@]}" --build-arg SCHEMALINE_IMAGE=schemaline:local --target "$target" \
    --tag "localhost/schemaline-stand-in:$target" deploy/images/stand-ins >/dev/null
done

work=$(mktemp -d)
random() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
project=schemaline-ct-$(random | cut -c1-8)
# Every host port free, so the stack runs beside anything else on the machine.
read -r pg_port rabbit_port rabbit_ui_port moto_port registry_port lineage_port otlp_port jaeger_port \
  prom_port drift_port governance_port console_port validator_port alerts_port < <(python3 -c '
import socket
held = [socket.socket() for _ in range(14)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in held))')
POSTGRES_PASSWORD=$(random) RABBITMQ_PASSWORD=$(random)
RUNNER_TOKEN=$(random) PUBLISHER_TOKEN=$(random) APPROVER_TOKEN=$(random)
cat > "$work/env" <<ENV
COMPOSE_PROFILES=$PROFILE
POSTGRES_PASSWORD=$POSTGRES_PASSWORD
RABBITMQ_PASSWORD=$RABBITMQ_PASSWORD
VALIDATOR_REGISTRY_TOKEN=$RUNNER_TOKEN
DRIFT_REGISTRY_TOKEN=$(random)
PUBLISHER_REGISTRY_TOKEN=$PUBLISHER_TOKEN
GOVERNANCE_APPROVER_TOKEN=$APPROVER_TOKEN
CONSOLE_SESSION_SECRET=$(random)$(random)
ALERTS_WEBHOOK_URL=
AWS_ACCESS_KEY_ID=moto
AWS_SECRET_ACCESS_KEY=moto-accepts-anything
POSTGRES_HOST_PORT=$pg_port
RABBITMQ_HOST_PORT=$rabbit_port
RABBITMQ_UI_HOST_PORT=$rabbit_ui_port
MOTO_HOST_PORT=$moto_port
REGISTRY_HOST_PORT=$registry_port
LINEAGE_HOST_PORT=$lineage_port
DRIFT_HOST_PORT=$drift_port
GOVERNANCE_HOST_PORT=$governance_port
CONSOLE_HOST_PORT=$console_port
VALIDATOR_HOST_PORT=$validator_port
ALERTS_HOST_PORT=$alerts_port
OTLP_HOST_PORT=$otlp_port
JAEGER_UI_HOST_PORT=$jaeger_port
PROMETHEUS_HOST_PORT=$prom_port
ENV

compose() {
  .venv/bin/podman-compose --project-name "$project" --env-file "$work/env" \
    -f docker-compose.yml -f deploy/images/compose.here.yml "$@"
}
container() {
  podman ps --all --filter "label=io.podman.compose.project=$project" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}'
}
finish() {
  status=$?
  if ((status != 0)); then
    for name in $(podman ps --all --filter "label=io.podman.compose.project=$project" --format '{{.Names}}'); do
      echo "== $name: $(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name")" >&2
      podman logs --tail 15 "$name" >&2 || true
    done
  fi
  compose down --volumes --timeout 10 >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT

# podman before 4.6 (Debian bookworm has 4.3) cannot run docker-compose.yml's order: podman-compose
# skips `service_healthy` there, and podman 4.3 fails to start a container whose dependencies have
# dependencies (its --requires graph). So this script starts each step with --no-deps, in the order
# the file declares, and waits on the healthchecks the file declares (`podman healthcheck run`).
healthy() {
  local service name deadline=$((SECONDS + 180))
  for service in "$@"; do
    name=$(container "$service")
    until podman healthcheck run "$name" >/dev/null 2>&1; do
      ((SECONDS < deadline)) || { echo "$service ($name) never turned healthy" >&2; return 1; }
      sleep 2
    done
  done
}
completed() {
  local service name status deadline=$((SECONDS + 180))
  for service in "$@"; do
    name=$(container "$service")
    until [[ $(podman inspect --format '{{.State.Status}}' "$name") == exited ]]; do
      ((SECONDS < deadline)) || { echo "$service ($name) is still running: not a one-shot job?" >&2; return 1; }
      sleep 1
    done
    status=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    [[ $status == 0 ]] || { echo "$service exited with $status" >&2; return 1; }
  done
}

start=$SECONDS
infrastructure=(postgres moto prometheus)
[[ $PROFILE == rabbitmq ]] && infrastructure+=(rabbitmq)
jobs=(init init-alerts-topic migrate-registry migrate-validator migrate-drift migrate-lineage migrate-governance migrate-alerts)
if [[ $PROFILE == rabbitmq ]]; then
  registry=registry consumers=(validator drift_detector lineage_writer governance alerts) console=console
else
  registry=registry-eventbridge
  consumers=(validator-eventbridge drift-detector-eventbridge lineage-writer-eventbridge governance-eventbridge alerts-eventbridge)
  console=console-eventbridge
fi
up() { compose up --detach --no-deps "$@" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; return 1; }; }
up otel-collector "${infrastructure[@]}" && healthy "${infrastructure[@]}"
up "${jobs[@]}" && completed "${jobs[@]}"
up "$registry" && healthy "$registry"
up "${consumers[@]}" && healthy "${consumers[@]}"
up "$console" && healthy "$console"
echo "compose stack ($PROFILE) up and healthy in $((SECONDS - start)) s" >&2

SCHEMALINE_CT_PROJECT=$project SCHEMALINE_CT_PROFILE=$PROFILE \
  SCHEMALINE_CT_POSTGRES_PORT=$pg_port SCHEMALINE_CT_POSTGRES_PASSWORD=$POSTGRES_PASSWORD \
  SCHEMALINE_CT_RABBITMQ_PORT=$rabbit_port SCHEMALINE_CT_RABBITMQ_PASSWORD=$RABBITMQ_PASSWORD \
  SCHEMALINE_CT_MOTO_PORT=$moto_port SCHEMALINE_CT_REGISTRY_PORT=$registry_port \
  SCHEMALINE_CT_DRIFT_PORT=$drift_port SCHEMALINE_CT_GOVERNANCE_PORT=$governance_port \
  SCHEMALINE_CT_CONSOLE_PORT=$console_port \
  SCHEMALINE_CT_RUNNER_TOKEN=$RUNNER_TOKEN SCHEMALINE_CT_PUBLISHER_TOKEN=$PUBLISHER_TOKEN \
  SCHEMALINE_CT_APPROVER_TOKEN=$APPROVER_TOKEN \
  AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto AWS_DEFAULT_REGION=eu-west-1 \
  .venv/bin/pytest -p no:cacheprovider -q tests/e2e/compose_examples.py

# Every service exported its spans over OTLP to the collector's address (its stand-in logs who did).
deadline=$((SECONDS + 30))
for service in registry validator drift_detector lineage_writer governance alerts console; do
  until podman logs "$(container otel-collector)" 2>/dev/null | grep -q "^exported $service "; do
    ((SECONDS < deadline)) || { echo "no spans from $service reached otel-collector:4318" >&2; exit 1; }
    sleep 1
  done
done
echo "spans exported over OTLP by: $(podman logs "$(container otel-collector)" | awk '{print $2}' | sort -u | xargs)" >&2
