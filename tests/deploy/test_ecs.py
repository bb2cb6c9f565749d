"""deploy/ecs: per service a task definition (`aws ecs register-task-definition --cli-input-json`) and
a service (`aws ecs create-service --cli-input-json`), valid against botocore's ECS model once the
operator's placeholders are filled, on Fargate, and consistent with the stack and the EKS overlay."""

from __future__ import annotations

import fnmatch
import json
import re
import string
from pathlib import Path
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import pytest
from botocore.validate import ParamValidator  # type: ignore[import-untyped]

from tests.deploy.cfn import resolve
from tests.deploy.manifests import (
    HEARTBEAT_SERVICES,
    ROOT,
    SERVICES,
    api_credential,
    command_module,
    consumes,
    env_prefix,
    env_problems,
    keeps_tables,
    module_runs,
    rendered,
    secret_fields,
    service_of,
    settings_class,
)

ECS = ROOT / "deploy" / "ecs"
NAMES = {service: service.replace("_", "-") for service in SERVICES}
# What the operator fills in (docs/deploy.md, "ECS"): envsubst with these set.
PLACEHOLDERS = {
    "ACCOUNT_ID": "123456789012",
    "REGION": "eu-west-1",
    "CLUSTER": "schemaline",
    "SUBNET_A": "subnet-0a1b2c3d",
    "SUBNET_B": "subnet-4e5f6a7b",
    "REGISTRY_URL": "http://registry.schemaline.internal:8081",
    "DRIFT_URL": "http://drift.schemaline.internal:8085",
    "GOVERNANCE_URL": "http://governance.schemaline.internal:8086",
    "LINEAGE_URL": "http://lineage.schemaline.internal:8087",
    "OTLP_ENDPOINT": "http://127.0.0.1:4318/v1/traces",
    "OTLP_METRICS_ENDPOINT": "http://127.0.0.1:4318/v1/metrics",
    "QUARANTINE_BUCKET": "warehouse-quarantine",
    "WAREHOUSE_BUCKET": "warehouse",
    "REGISTRY_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/r/0a",
    "DRIFT_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/d/0b",
    "GOVERNANCE_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/g/0c",
    "CONSOLE_TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/c/0d",
    **{f"SG_{name.upper().replace('-', '_')}": "sg-0123456789abcdef0" for name in NAMES.values()},
}
# Fargate's CPU units → the memory sizes (MiB) it accepts with them.
FARGATE = {
    "256": {512, 1024, 2048},
    "512": set(range(1024, 4097, 1024)),
    "1024": set(range(2048, 8193, 1024)),
    "2048": set(range(4096, 16385, 1024)),
    "4096": set(range(8192, 30721, 1024)),
}
_BOTO = botocore.session.get_session()
# Services whose API sits behind the operator's load balancer target group (docs/deploy.md, "ECS"):
# the registry for the pipeline runners, the operator APIs for `schemaline drift|governance|ledger`,
# the console for operators' browsers.
BALANCED = {"registry", "drift_detector", "governance", "console"}


def _filled(path: Path) -> dict[str, Any]:
    text = path.read_text()
    found = set(re.findall(r"\$\{(\w+)\}", text))
    assert found <= set(PLACEHOLDERS), f"{path.name}: undocumented placeholders {found - set(PLACEHOLDERS)}"
    loaded: dict[str, Any] = json.loads(string.Template(text).substitute(PLACEHOLDERS))
    return loaded


def _report(operation: str, body: dict[str, Any]) -> str:
    shape = _BOTO.get_service_model("ecs").operation_model(operation).input_shape
    report = ParamValidator().validate(body, shape)
    return str(report.generate_report()) if report.has_errors() else ""


def task(service: str) -> dict[str, Any]:
    return _filled(ECS / f"{NAMES[service]}.task.json")


def main_container(service: str) -> dict[str, Any]:
    essential: list[dict[str, Any]] = [c for c in task(service)["containerDefinitions"] if c["essential"]]
    (container,) = essential
    return container


def test_every_service_has_a_task_and_a_service_definition_and_nothing_else_is_there() -> None:
    expected = {f"{name}.{kind}.json" for name in NAMES.values() for kind in ("task", "service")}
    assert {p.name for p in ECS.iterdir()} == expected


@pytest.mark.parametrize("service", SERVICES)
def test_task_definitions_are_register_task_definition_requests_for_fargate(service: str) -> None:
    body = task(service)
    assert _report("RegisterTaskDefinition", body) == ""
    assert body["requiresCompatibilities"] == ["FARGATE"]
    assert body["networkMode"] == "awsvpc"
    assert int(body["memory"]) in FARGATE[body["cpu"]], "not a Fargate CPU/memory pair"


@pytest.mark.parametrize("service", SERVICES)
def test_service_definitions_are_create_service_requests(service: str) -> None:
    body = _filled(ECS / f"{NAMES[service]}.service.json")
    assert _report("CreateService", body) == ""
    assert body["taskDefinition"] == task(service)["family"]
    assert body["launchType"] == "FARGATE"
    assert body["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    container = main_container(service)
    ports = [p["containerPort"] for p in container.get("portMappings", [])]
    balancers = body.get("loadBalancers", [])
    assert bool(balancers) == (service in BALANCED)
    for balancer in balancers:
        assert balancer["containerName"] == container["name"], "ECS registers the essential container"
        assert balancer["containerPort"] in ports
        assert body["healthCheckGracePeriodSeconds"] >= container["healthCheck"]["startPeriod"], (
            "the target group's checks would fail the task while it migrates and starts"
        )


def test_the_validator_catches_a_malformed_task_definition() -> None:
    body = task("validator")
    body["cpu"] = 1024
    body["containerDefinitions"][0]["essentail"] = True
    report = _report("RegisterTaskDefinition", body)
    assert "cpu" in report
    assert "essentail" in report


def _k8s(service: str) -> dict[str, Any]:
    docs = rendered("aws")
    (deployment,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == NAMES[service]]
    return deployment


@pytest.mark.parametrize("service", SERVICES)
def test_the_container_runs_the_same_image_and_command_as_on_eks(service: str) -> None:
    container = main_container(service)
    pod = _k8s(service)["spec"]["template"]["spec"]
    assert container["command"] == pod["containers"][0]["command"]
    module = command_module(container["command"])
    assert module is not None
    assert module_runs(module)
    assert service_of(module) == service
    eks_image = pod["containers"][0]["image"]
    assert container["image"] == eks_image, "one image for EKS and ECS"
    assert container["user"].split(":")[0] == str(pod["securityContext"]["runAsUser"])
    assert container["readonlyRootFilesystem"] is True
    assert {"sourceVolume": "tmp", "containerPath": "/tmp"} in container["mountPoints"]
    assert container["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
    assert 30 <= container["stopTimeout"] <= 120, "Fargate stops after at most 120 s"


@pytest.mark.parametrize("service", SERVICES)
def test_environment_is_the_eks_configuration_and_secrets_come_from_the_service_s_own_secrets(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cls = settings_class(f"schemaline.{service}")
    container = main_container(service)
    environment = {e["name"]: e["value"] for e in container["environment"]}
    (config,) = [d for d in rendered("aws") if d["kind"] == "ConfigMap"]
    assert set(environment) == {k for k in config["data"] if k.startswith(env_prefix(cls))}
    raw = {e["name"]: e["value"] for e in _raw_main_container(service)["environment"]}
    differ = {k for k in environment if "${" not in raw[k] and environment[k] != config["data"][k]}
    assert differ == set(), "values that are not the operator's placeholders differ from EKS's"
    assert env_problems(cls, list(environment)) == []
    assert not set(environment) & secret_fields(cls), "a secret in plain environment"
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    # An optional Secret key on EKS (the alerts' webhook) has no ECS form: a task whose secret is
    # missing does not start, so docs/deploy.md says how to add it.
    eks_refs = {
        e["name"]
        for e in _k8s(service)["spec"]["template"]["spec"]["containers"][0]["env"]
        if "valueFrom" in e and not e["valueFrom"].get("secretKeyRef", {}).get("optional")
    }
    assert set(secrets) == eks_refs
    execution = _execution_policy_resources(service)
    for name, arn in secrets.items():
        assert any(fnmatch.fnmatch(arn, pattern) for pattern in execution), (
            f"{name}: its execution role cannot read {arn}"
        )
    with monkeypatch.context() as env:
        for name, value in environment.items():
            env.setenv(name, value)
        settings = cls()
    if consumes(f"schemaline.{service}"):
        assert settings.bus.transport == "eventbridge"  # type: ignore[attr-defined]
        assert settings.bus.provision is False  # type: ignore[attr-defined]
    else:
        assert not [name for name in environment if "_BUS__" in name], "a bus for a service that uses none"


def _raw_main_container(service: str) -> dict[str, Any]:
    """The essential container as written, placeholders unfilled."""
    body = json.loads((ECS / f"{NAMES[service]}.task.json").read_text())
    (container,) = [c for c in body["containerDefinitions"] if c["essential"]]
    return dict(container)


def _task_settings(service: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as env:
        for entry in main_container(service)["environment"]:
            env.setenv(entry["name"], entry["value"])
        return settings_class(f"schemaline.{service}")()


@pytest.mark.parametrize("service", SERVICES)
def test_a_task_serves_its_api_exactly_as_its_settings_say(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the task's environment: the API binds every interface at the mapped port, its credential
    (token table, or the console's session key) comes from Secrets Manager, and a balanced service's
    target group reaches that port."""
    http = _task_settings(service, monkeypatch).http
    container = main_container(service)
    mapped = {p["containerPort"] for p in container.get("portMappings", [])}
    if not http.enabled:
        assert mapped == set(), "a port mapped with no API behind it"
        return
    assert http.host == "0.0.0.0", "bound to loopback: unreachable in awsvpc mode"
    assert mapped == {http.port}
    credential = api_credential(f"schemaline.{service}")
    assert credential in {s["name"] for s in container["secrets"]}, f"served without {credential}"
    body = _filled(ECS / f"{NAMES[service]}.service.json")
    assert {b["containerPort"] for b in body.get("loadBalancers", [])} <= {http.port}


def test_the_apis_served_are_the_registry_lineage_operator_apis_and_the_console(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    served = {s for s in SERVICES if _task_settings(s, monkeypatch).http.enabled}
    assert served == {
        "registry",
        "lineage_writer",
        "drift_detector",
        "governance",
        "validator",
        "alerts",
        "console",
    }
    assert served >= BALANCED


def test_every_placeholder_is_in_the_documented_ecs_commands() -> None:
    """docs/deploy.md's ECS section exports each variable envsubst must fill."""
    docs = (ROOT / "docs" / "deploy.md").read_text()
    section = docs[docs.index("## ECS Fargate") :]
    section = section[: section.index("\n## ")]
    used = {n for p in ECS.glob("*.json") for n in re.findall(r"\$\{(\w+)\}", p.read_text())}
    exported = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", section))
    assert used - exported == set(), "placeholders the operator is not told to set"


def _stack_roles() -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in resolve().resources().values()
        if r["Type"] == "AWS::IAM::Role" and "RoleName" in r["Properties"]
    }


def _execution_policy_resources(service: str) -> list[str]:
    arn = task(service)["executionRoleArn"]
    role = _stack_roles()[arn.rsplit("/", 1)[1]]
    return [s["Resource"] for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


@pytest.mark.parametrize("service", SERVICES)
def test_roles_and_log_groups_are_the_stack_s(service: str) -> None:
    body = task(service)
    roles = _stack_roles()
    task_role = roles[body["taskRoleArn"].rsplit("/", 1)[1]]
    assert "ecs-tasks.amazonaws.com" in json.dumps(task_role["AssumeRolePolicyDocument"])
    assert body["executionRoleArn"] != body["taskRoleArn"]
    groups = {
        r["Properties"]["LogGroupName"]
        for r in resolve().resources().values()
        if r["Type"] == "AWS::Logs::LogGroup"
    }
    for container in body["containerDefinitions"]:
        options = container["logConfiguration"]["options"]
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        assert options["awslogs-group"] in groups, "the stack makes the log group"


@pytest.mark.parametrize("service", SERVICES)
def test_consumers_are_health_checked_by_their_heartbeat_and_migrations_run_first(service: str) -> None:
    container = main_container(service)
    check = container["healthCheck"]["command"]
    if service not in HEARTBEAT_SERVICES:  # the registry and the console: their HTTP liveness route
        assert "/api/v1/health" in " ".join(check)
    else:
        assert check == ["CMD", "python", "-m", "schemaline.runtime.health"]
        assert container["healthCheck"]["startPeriod"] >= 60
    migrate = [c for c in task(service)["containerDefinitions"] if not c["essential"]]
    if keeps_tables(f"schemaline.{service}"):
        (job,) = migrate
        assert job["command"] == ["python", "-m", f"schemaline.{service}", "migrate"]
        assert container["dependsOn"] == [{"containerName": job["name"], "condition": "SUCCESS"}]
    else:
        assert migrate == []
