"""The checks themselves catch mistakes: each is run once on a broken input."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic_settings import BaseSettings

from schemaline.governance.settings import GovernanceSettings
from schemaline.lineage_writer.settings import LineageSettings
from schemaline.registry.settings import RegistrySettings
from schemaline.runtime.settings import HealthSettings, HttpSettings
from schemaline.validator.settings import ValidatorSettings
from tests.deploy.manifests import (
    EXEMPTION,
    compose_secret_problems,
    deployment_problems,
    env_problems,
    heartbeat_probe_problems,
    http_api_problems,
    image_problems,
    k8s_objects,
    module_runs,
    rendered,
    secret_fields,
)


def test_env_walk_accepts_real_fields_and_rejects_typos() -> None:
    good = [
        "SCHEMALINE_VALIDATOR_BUS__AMQP_URL",
        "SCHEMALINE_VALIDATOR_QUARANTINE_PREFIX",
        "SCHEMALINE_LINEAGE_HTTP__PORT",
        "SCHEMALINE_GOVERNANCE_AUTH__TOKENS",
    ]
    assert env_problems(ValidatorSettings, good[:2]) == []
    assert env_problems(LineageSettings, good[2:3]) == []
    assert env_problems(GovernanceSettings, good[3:]) == []
    cases: list[tuple[str, type[BaseSettings]]] = [
        ("SCHEMALINE_VALIDATOR_BUS__AMQPURL", ValidatorSettings),  # a typo in a nested field
        ("SCHEMALINE_VALIDATOR_BUS_TRANSPORT", ValidatorSettings),  # one underscore instead of two
        ("SCHEMALINE_VALIDATR_BUS__TRANSPORT", ValidatorSettings),  # a typo in the prefix
        ("SCHEMALINE_DRIFT_QUARANTINE_PREFIX", ValidatorSettings),  # another service's prefix
        ("SCHEMALINE_VALIDATOR_QUARANTINE_PREFIX__X", ValidatorSettings),  # nesting into a string
        ("SCHEMALINE_LINEAGE_HTTP__PROT", LineageSettings),
    ]
    for bad, cls in cases:
        assert len(env_problems(cls, [bad])) == 1, bad


def test_secret_fields_follow_the_models() -> None:
    assert {"SCHEMALINE_REGISTRY_BUS__AMQP_URL", "SCHEMALINE_REGISTRY_DATABASE__URL"} <= secret_fields(
        RegistrySettings
    )
    assert "SCHEMALINE_REGISTRY_AUTH__TOKENS" in secret_fields(RegistrySettings)  # SecretStr inside a list
    assert "SCHEMALINE_REGISTRY_PORT" not in secret_fields(RegistrySettings)


def test_compose_secret_check_catches_written_out_passwords() -> None:
    ok = {
        "SCHEMALINE_VALIDATOR_BUS__AMQP_URL": "amqp://u:${RABBITMQ_PASSWORD:?}@rabbitmq:5672/",
        "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set it}",
    }
    assert compose_secret_problems("svc", ok, ValidatorSettings) == []
    for name, value in [
        ("SCHEMALINE_VALIDATOR_BUS__AMQP_URL", "amqp://u:hunter2@rabbitmq:5672/"),
        ("SCHEMALINE_VALIDATOR_BUS__AMQP_URL", "amqp://rabbitmq:5672/"),  # a secret field, no placeholder
        ("POSTGRES_PASSWORD", "hunter2"),
        ("RABBITMQ_DEFAULT_PASS", "${RABBITMQ_PASSWORD:-guest}"),  # a default is a written-out password
    ]:
        assert compose_secret_problems("svc", {name: value}, ValidatorSettings), (name, value)


def test_image_check() -> None:
    assert image_problems("x", "postgres:16.6-alpine") == []
    assert image_problems("x", "registry:5000/team/app@sha256:" + "0" * 64) == []
    assert image_problems("x", "postgres")
    assert image_problems("x", "postgres:latest")
    assert image_problems("x", "registry:5000/postgres")
    assert image_problems("x", "rabbitmq:management")


def test_module_check() -> None:
    assert module_runs("schemaline.registry")
    assert not module_runs("schemaline.registyr")
    assert not module_runs("schemaline.contracts")  # a package without __main__


def registry_deployment() -> dict[str, Any]:
    (deployment,) = [
        d for d in k8s_objects(rendered("local"), "Deployment") if d["metadata"]["name"] == "registry"
    ]
    return deployment


def test_deployment_check_catches_each_missing_guard() -> None:
    assert deployment_problems(registry_deployment()) == []
    breakages: dict[str, Callable[[dict[str, Any], dict[str, Any]], object]] = {
        "limits": lambda c, s: c["resources"].pop("limits"),
        "readiness": lambda c, s: c.pop("readinessProbe"),
        "root": lambda c, s: s["securityContext"].update(runAsUser=0),
        "non-root": lambda c, s: s["securityContext"].pop("runAsNonRoot"),
        "read-only": lambda c, s: c["securityContext"].update(readOnlyRootFilesystem=False),
        "tmp": lambda c, s: c.pop("volumeMounts"),
        "grace": lambda c, s: s.update(terminationGracePeriodSeconds=10),
        "probe port": lambda c, s: c["livenessProbe"]["httpGet"].update(port="metrics"),
    }
    for what, breakage in breakages.items():
        broken = copy.deepcopy(registry_deployment())
        spec = broken["spec"]["template"]["spec"]
        breakage(spec["containers"][0], spec)
        assert deployment_problems(broken), what


def deployment(name: str) -> dict[str, Any]:
    (found,) = [d for d in k8s_objects(rendered("local"), "Deployment") if d["metadata"]["name"] == name]
    return copy.deepcopy(found)


def test_consumer_deployment_without_the_heartbeat_liveness_probe_fails() -> None:
    assert deployment_problems(deployment("governance")) == []
    breakages: dict[str, Callable[[dict[str, Any]], object]] = {
        "no liveness": lambda c: c.pop("livenessProbe"),
        "liveness checks nothing": lambda c: c.update(livenessProbe={"exec": {"command": ["true"]}}),
        "liveness not the heartbeat": lambda c: c["livenessProbe"]["exec"].update(
            command=["python", "-m", "schemaline.governance"]
        ),
        "bad probe arguments": lambda c: c["livenessProbe"]["exec"]["command"].append("--maxage"),
        "no startup probe": lambda c: c.pop("startupProbe"),
        "ports, no readiness": lambda c: (
            c.update(ports=[{"name": "http", "containerPort": 80}]),
            c.pop("readinessProbe", None),
        ),
    }
    for name in ("governance", "validator", "drift-detector", "lineage-writer"):
        for what, breakage in breakages.items():
            broken = deployment(name)
            breakage(broken["spec"]["template"]["spec"]["containers"][0])
            assert deployment_problems(broken), (name, what)
    stale = deployment("governance")
    stale["metadata"]["annotations"] = {EXEMPTION: "no port to probe"}
    assert deployment_problems(stale), "an exemption next to a heartbeat probe"


def test_probe_exemption_must_be_written_and_only_covers_portless_non_heartbeat_containers() -> None:
    job = deployment("governance")
    container = job["spec"]["template"]["spec"]["containers"][0]
    container["command"] = ["python", "-m", "schemaline.runtime.objectstore", "ensure-bucket", "warehouse"]
    for portless in ("livenessProbe", "startupProbe", "readinessProbe", "ports"):
        container.pop(portless)
    assert deployment_problems(job), "no probe and no reason"
    job["metadata"]["annotations"] = {EXEMPTION: "a one-shot job"}
    assert deployment_problems(job) == []
    container["ports"] = [{"name": "http", "containerPort": 80}]
    assert deployment_problems(job)


def test_heartbeat_probe_must_match_the_settings() -> None:
    container = deployment("validator")["spec"]["template"]["spec"]["containers"][0]
    assert heartbeat_probe_problems("v", container, HealthSettings()) == []
    elsewhere = HealthSettings(heartbeat_path="/tmp/other")
    assert heartbeat_probe_problems("v", container, elsewhere), "probe and service use different files"
    assert heartbeat_probe_problems("v", container, HealthSettings(interval_s=30)), "stale between touches"
    off_volume = HealthSettings(heartbeat_path="/var/run/heartbeat")
    container["livenessProbe"]["exec"]["command"] += ["--path", "/var/run/heartbeat"]
    assert heartbeat_probe_problems("v", container, off_volume), "read-only root"


def test_http_api_check_catches_each_mistake() -> None:
    """The drift detector's operator API as rendered, then one mistake at a time."""
    services = k8s_objects(rendered("local"), "Service")
    refs = {"SCHEMALINE_DRIFT_DATABASE__URL", "SCHEMALINE_DRIFT_AUTH__TOKENS"}
    served = HttpSettings(enabled=True, host="0.0.0.0", port=8085)
    credential = "SCHEMALINE_DRIFT_AUTH__TOKENS"
    assert http_api_problems(deployment("drift-detector"), services, served, refs, credential) == []
    own_service = [s for s in services if s["metadata"]["name"] == "drift-detector"]
    other_services = [s for s in services if s["metadata"]["name"] != "drift-detector"]
    wrong_target = copy.deepcopy(own_service)
    wrong_target[0]["spec"]["ports"][0]["targetPort"] = 8086
    mistakes: dict[str, tuple[HttpSettings, list[dict[str, Any]], set[str]]] = {
        "binds loopback (the settings' default)": (HttpSettings(enabled=True, port=8085), services, refs),
        "listens elsewhere": (HttpSettings(enabled=True, host="0.0.0.0", port=8086), services, refs),
        "no Service": (served, other_services, refs),
        "Service targets another port": (served, wrong_target, refs),
        "no token table": (served, services, {"SCHEMALINE_DRIFT_DATABASE__URL"}),
        "port declared, API off": (HttpSettings(), services, refs),
    }
    for what, (http, with_services, with_refs) in mistakes.items():
        found = http_api_problems(deployment("drift-detector"), with_services, http, with_refs, credential)
        assert found, what
    unready = deployment("drift-detector")
    unready["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = 9090
    assert http_api_problems(unready, services, served, refs, credential), "readiness on another port"
