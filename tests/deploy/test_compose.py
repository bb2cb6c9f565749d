"""docker-compose.yml: every service, real commands, real settings names, secrets only from .env."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.deploy.manifests import (
    HEALTH_MODULE,
    HEARTBEAT_SERVICES,
    PLACEHOLDER,
    SECRET_NAME,
    SERVICES,
    command_module,
    compose_secret_problems,
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
INFRA = {"rabbitmq", "postgres", "moto"}


def module_of(name: str) -> str:
    module = command_module(CONTAINERS[name].get("command"))
    assert module is not None
    return module


def test_every_service_runs_in_the_stack() -> None:
    running = {service_of(module_of(name)) for name in SCHEMALINE}
    assert set(SERVICES) <= running, f"services missing from docker-compose.yml: {set(SERVICES) - running}"


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
    variables = {k: v or "filled-in-like-the-docs-say" for k, v in env_example().items()}
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
    for name in SCHEMALINE:
        module = module_of(name)
        if module not in {f"schemaline.{s}" for s in SERVICES}:
            continue
        cls = settings_class(module)
        prefix = env_prefix(cls)
        env = {k: str(v) for k, v in CONTAINERS[name].get("environment", {}).items()}
        assert env.get(f"{prefix}BUS__TRANSPORT") == "rabbitmq", name
        assert f"{prefix}BUS__AMQP_URL" in env, name
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
    for name, container in CONTAINERS.items():
        expected = "no" if name == "init" else "unless-stopped"
        assert container.get("restart") == expected, name


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
        needs = set(CONTAINERS[name].get("depends_on", {}))
        values = " ".join(str(v) for v in env.values())
        if "@rabbitmq:" in values:
            assert "rabbitmq" in needs, name
        if "@postgres:" in values:
            assert "postgres" in needs, name
        if "http://moto:" in values and name != "init":
            assert "init" in needs, f"{name} uses S3 before the bucket exists"


def test_healthchecks_probe_the_configured_ports() -> None:
    registry = CONTAINERS["registry"]
    port = registry["environment"]["SCHEMALINE_REGISTRY_HTTP__PORT"]
    assert f"http://127.0.0.1:{port}/api/v1/ready" in " ".join(registry["healthcheck"]["test"])
    lineage = CONTAINERS["lineage_writer"]
    assert str(lineage["environment"]["SCHEMALINE_LINEAGE_HTTP__ENABLED"]) == "true"
    api_port = lineage["environment"]["SCHEMALINE_LINEAGE_HTTP__PORT"]
    assert f"http://127.0.0.1:{api_port}/api/v1/lineage/" in " ".join(lineage["healthcheck"]["test"])


def test_consumers_healthchecks_read_their_heartbeat() -> None:
    """The check reads the default heartbeat file, so compose must not move it."""
    for name in SCHEMALINE:
        if service_of(module_of(name)) not in HEARTBEAT_SERVICES:
            continue
        container = CONTAINERS[name]
        assert HEALTH_MODULE in " ".join(container["healthcheck"]["test"]), name
        assert not [k for k in container.get("environment", {}) if "_HEALTH__" in k], name
