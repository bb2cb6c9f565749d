"""docker-compose.yml: every service on each bus, real commands, real settings names, secrets only
from .env, migrations before services, traces exported; valid against the Compose specification."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.manifests import COMPOSE as COMPOSE_FILE
from tests.deploy.manifests import (
    HEALTH_MODULE,
    HEARTBEAT_SERVICES,
    PLACEHOLDER,
    SECRET_NAME,
    SERVICES,
    command_module,
    compose_secret_problems,
    consumes,
    env_example,
    env_prefix,
    env_problems,
    expand,
    image_problems,
    keeps_tables,
    load_compose,
    module_runs,
    service_of,
    settings_class,
    strings,
)

COMPOSE = load_compose()
CONTAINERS: dict[str, dict[str, Any]] = COMPOSE["services"]
SCHEMALINE = {name: c for name, c in CONTAINERS.items() if command_module(c.get("command"))}
INFRA = {"rabbitmq", "postgres", "moto", "otel-collector", "jaeger", "prometheus"}
# One-shot jobs of the image run to completion (restart: no; one runs `python -c`, creating the alerts'
# SNS topic); the rest of our containers are the services.
JOBS = {
    name
    for name, c in CONTAINERS.items()
    if c.get("image") == "schemaline:local" and c.get("restart") == "no"
}
RUNNING = {name: c for name, c in SCHEMALINE.items() if name not in JOBS}
BUSES = {"rabbitmq": "rabbitmq", "eventbridge": "eventbridge"}  # profile → BUS__TRANSPORT
MOTO = "http://moto:5000"


def module_of(name: str) -> str:
    module = command_module(CONTAINERS[name].get("command"))
    assert module is not None
    return module


def profiles(name: str) -> list[str]:
    found: list[str] = CONTAINERS[name].get("profiles", [])
    return found


def needs(name: str) -> set[str]:
    """What a container waits for, directly or through what it waits for."""
    found: set[str] = set()
    todo = list(CONTAINERS[name].get("depends_on", {}))
    while todo:
        dependency = todo.pop()
        if dependency not in found:
            found.add(dependency)
            todo += list(CONTAINERS[dependency].get("depends_on", {}))
    return found


def compose_spec_check(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema ships the Compose specification's schema: no network needed."""
    checker = Path(sys.executable).with_name("check-jsonschema")
    return subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_file_follows_the_compose_specification() -> None:
    result = compose_spec_check(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_specification_check_catches_a_misplaced_key(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        COMPOSE_FILE.read_text().replace("    restart: unless-stopped\n", "    restrat: no\n", 1)
    )
    assert compose_spec_check(broken).returncode == 1


@pytest.mark.parametrize("bus", sorted(BUSES))
def test_each_bus_profile_runs_every_service_once(bus: str) -> None:
    running = [service_of(module_of(name)) for name in RUNNING if bus in profiles(name)]
    assert sorted(s for s in running if s) == sorted(SERVICES), f"profile {bus}"


def test_services_run_in_exactly_one_bus_profile() -> None:
    for name in RUNNING:
        assert len(set(profiles(name)) & set(BUSES)) == 1, name
    assert profiles("rabbitmq") == ["rabbitmq"], "the broker runs only with the services that use it"
    shared = [name for name, c in CONTAINERS.items() if name not in RUNNING and name != "rabbitmq"]
    assert all("profiles" not in CONTAINERS[name] for name in shared), "jobs and infrastructure run in both"


def test_env_example_picks_the_rabbitmq_profile() -> None:
    assert env_example()["COMPOSE_PROFILES"] == "rabbitmq"


def test_the_stack_has_its_infrastructure() -> None:
    assert set(CONTAINERS) >= INFRA
    assert "management" in CONTAINERS["rabbitmq"]["image"]
    assert CONTAINERS["moto"]["image"].startswith("motoserver/moto:")


@pytest.mark.parametrize("name", sorted(SCHEMALINE))
def test_command_names_a_module_that_runs(name: str) -> None:
    assert module_runs(module_of(name)), f"{name}: python -m {module_of(name)} finds nothing to run"


@pytest.mark.parametrize("name", sorted(SCHEMALINE))
def test_every_schemaline_variable_is_a_settings_field(name: str) -> None:
    cls = settings_class(module_of(name))
    names = [n for n in CONTAINERS[name].get("environment", {}) if n.startswith("SCHEMALINE_")]
    assert names, f"{name}: no SCHEMALINE_* settings"
    assert env_problems(cls, names) == []


@pytest.mark.parametrize("name", sorted(SCHEMALINE))
def test_values_with_env_example_load_into_the_settings(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Compose + .env.example (blanks filled) must be valid settings: a bad enum or number fails here."""
    variables = {k: v or "filled-in-like-the-docs-say-openssl-rand-hex-32" for k, v in env_example().items()}
    cls = settings_class(module_of(name))
    for key in [k for k in os.environ if k.startswith("SCHEMALINE_")]:
        monkeypatch.delenv(key)
    for key, value in CONTAINERS[name].get("environment", {}).items():
        if key.startswith("SCHEMALINE_"):
            monkeypatch.setenv(key, expand(str(value), variables))
    cls()


def test_every_placeholder_is_documented_in_env_example() -> None:
    used = {m.group("name") for value in strings(COMPOSE) for m in PLACEHOLDER.finditer(value)}
    assert used <= set(env_example()), f"placeholders missing from .env.example: {used - set(env_example())}"


def test_secrets_come_from_placeholders_only() -> None:
    problems = []
    for name, container in CONTAINERS.items():
        module = command_module(container.get("command"))
        cls = settings_class(module) if module else None
        problems += compose_secret_problems(name, container.get("environment", {}), cls)
    assert problems == []


def test_env_example_leaves_passwords_and_tokens_blank() -> None:
    filled = {k: v for k, v in env_example().items() if SECRET_NAME.search(k) and not k.startswith("AWS_")}
    assert filled
    assert set(filled.values()) == {""}, "a password or token written into .env.example"


def test_services_get_the_parts_they_need() -> None:
    """A missing URL would fall back to the embedded default (SQLite, in-memory bus) without a word."""
    for name in RUNNING:
        module = module_of(name)
        cls = settings_class(module)
        prefix = env_prefix(cls)
        env = {k: str(v) for k, v in CONTAINERS[name].get("environment", {}).items()}
        [bus] = set(profiles(name)) & set(BUSES)
        if not consumes(module):  # the console: no bus, and no database either
            assert not [k for k in env if k.startswith((f"{prefix}BUS__", f"{prefix}DATABASE__"))], name
            continue
        assert env.get(f"{prefix}BUS__TRANSPORT") == BUSES[bus], name
        if bus == "rabbitmq":
            assert f"{prefix}BUS__AMQP_URL" in env, name
        else:
            assert env.get(f"{prefix}BUS__AWS_ENDPOINT_URL") == MOTO, name
            assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(env), name
        if keeps_tables(module):
            assert env.get(f"{prefix}DATABASE__URL", "").startswith("postgresql+asyncpg://"), name
        if "registry" in cls.model_fields:
            assert env.get(f"{prefix}REGISTRY__URL") == "http://registry:8081", name
            assert f"{prefix}REGISTRY__TOKEN" in env, name


def test_images_are_pinned() -> None:
    problems = []
    for name, container in CONTAINERS.items():
        own_build = "build" in container
        problems += image_problems(name, container["image"], require_version=not own_build)
    assert problems == []


def test_restart_policies() -> None:
    migrated = ("registry", "validator", "drift", "lineage", "governance", "alerts")
    assert {"init", "init-alerts-topic"} | {f"migrate-{s}" for s in migrated} == JOBS
    for name, container in CONTAINERS.items():
        expected = "no" if name in JOBS else "unless-stopped"
        assert container.get("restart") == expected, name


def test_services_that_keep_tables_wait_for_their_migration() -> None:
    """`python -m schemaline.<service> migrate` on the service's own database, before the service."""
    migrations = {
        module_of(name): CONTAINERS[name] for name in JOBS if CONTAINERS[name]["command"][3:] == ["migrate"]
    }
    for name in RUNNING:
        module = module_of(name)
        if not keeps_tables(module):
            continue
        job = next(j for j in JOBS if j in needs(name) and CONTAINERS[j]["command"][2] == module)
        assert CONTAINERS[name]["depends_on"][job]["condition"] == "service_completed_successfully"
        url = f"{env_prefix(settings_class(module))}DATABASE__URL"
        assert migrations[module]["environment"][url] == CONTAINERS[name]["environment"][url], name


def test_services_export_their_traces_to_the_collector() -> None:
    for name in RUNNING:
        prefix = env_prefix(settings_class(module_of(name)))
        env = CONTAINERS[name]["environment"]
        assert env[f"{prefix}TELEMETRY__EXPORTER"] == "otlp", name
        assert env[f"{prefix}TELEMETRY__OTLP_ENDPOINT"] == "http://otel-collector:4318/v1/traces", name


def test_the_registry_answers_as_registry_on_each_bus() -> None:
    """The validator and drift detector reach http://registry:8081 whichever profile runs."""
    for name in RUNNING:
        if service_of(module_of(name)) == "registry" and name != "registry":
            assert "registry" in CONTAINERS[name]["networks"]["default"]["aliases"], name


def test_healthchecks_or_a_reason() -> None:
    for name, container in CONTAINERS.items():
        assert "healthcheck" in container or container.get("x-no-healthcheck"), name


def test_depends_on_uses_conditions_that_exist() -> None:
    for name, container in CONTAINERS.items():
        for dependency, rule in container.get("depends_on", {}).items():
            target = CONTAINERS[dependency]
            condition = rule["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in target, (
                    f"{name} waits for {dependency} to be healthy: it has no check"
                )
            else:
                assert condition == "service_completed_successfully", (name, dependency)
                assert target.get("restart") == "no", f"{dependency} is not a one-shot job"


def test_services_wait_for_what_they_use() -> None:
    for name in SCHEMALINE:
        env = CONTAINERS[name].get("environment", {})
        waits = needs(name)
        values = " ".join(str(v) for v in env.values())
        if "@rabbitmq:" in values:
            assert "rabbitmq" in waits, name
        if "@postgres:" in values:
            assert "postgres" in waits, name
        if "http://moto:" in values and name != "init":
            assert "init" in waits, f"{name} uses S3 before the bucket exists"
        if "http://registry:" in values:
            assert any(service_of(module_of(n)) == "registry" for n in waits & set(RUNNING)), name


def test_alerts_publish_to_the_topic_a_job_creates_before_they_start() -> None:
    """An SNS publish to a topic that does not exist fails (and is retried) forever."""
    job = " ".join(CONTAINERS["init-alerts-topic"]["command"])
    for name in RUNNING:
        if service_of(module_of(name)) != "alerts":
            continue
        env = CONTAINERS[name]["environment"]
        topic = env["SCHEMALINE_ALERTS_SNS__TOPIC_ARN"].rsplit(":", 1)[1]
        assert f"create_topic(Name='{topic}')" in job, name
        assert env["SCHEMALINE_ALERTS_SNS__ENDPOINT_URL"] in job, name
        assert CONTAINERS[name]["depends_on"]["init-alerts-topic"]["condition"] == (
            "service_completed_successfully"
        ), name


def test_healthchecks_probe_the_configured_ports() -> None:
    registry = CONTAINERS["registry"]
    port = registry["environment"]["SCHEMALINE_REGISTRY_HTTP__PORT"]
    assert f"http://127.0.0.1:{port}/api/v1/ready" in " ".join(registry["healthcheck"]["test"])
    lineage = CONTAINERS["lineage_writer"]
    assert str(lineage["environment"]["SCHEMALINE_LINEAGE_HTTP__ENABLED"]) == "true"
    api_port = lineage["environment"]["SCHEMALINE_LINEAGE_HTTP__PORT"]
    assert f"http://127.0.0.1:{api_port}/api/v1/health" in " ".join(lineage["healthcheck"]["test"])


def test_consumers_healthchecks_read_their_heartbeat() -> None:
    """The check reads the default heartbeat file, so compose must not move it."""
    for name in RUNNING:
        if service_of(module_of(name)) not in HEARTBEAT_SERVICES:
            continue
        container = CONTAINERS[name]
        assert HEALTH_MODULE in " ".join(container["healthcheck"]["test"]), name
        assert not [k for k in container.get("environment", {}) if "_HEALTH__" in k], name
