"""deploy/k8s: a Deployment per service, real settings names, secrets only in the Secret, hardening."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from schemaline.lineage_writer.api import create_app as lineage_app
from schemaline.lineage_writer.openlineage import RunEventBuilder
from schemaline.lineage_writer.store import InMemoryLineageStore
from schemaline.registry.api import create_app as registry_app
from schemaline.registry.auth import TokenTable
from tests.deploy.manifests import (
    EXEMPTION,
    HEARTBEAT_SERVICES,
    K8S,
    ROOT,
    SERVICES,
    command_module,
    containers,
    deployment_problems,
    env_prefix,
    env_problems,
    heartbeat_probe_problems,
    image_problems,
    k8s_objects,
    keeps_tables,
    literal_password,
    load_k8s,
    module_runs,
    pod_spec,
    secret_fields,
    service_of,
    settings_class,
)

FILES = load_k8s()
DEPLOYMENTS = {d["metadata"]["name"]: d for d in k8s_objects(FILES, "Deployment")}
CONFIG = k8s_objects(FILES, "ConfigMap")
SECRET_TEMPLATE = FILES["secret.template.yaml"][0]
KUSTOMIZATION = FILES["kustomization.yaml"][0]


def module_of(deployment: dict[str, Any]) -> str:
    module = command_module(pod_spec(deployment)["containers"][0].get("command"))
    assert module is not None, f"{deployment['metadata']['name']}: command is not python -m ..."
    return module


def test_every_service_has_a_deployment() -> None:
    deployed = {service_of(module_of(d)) for d in DEPLOYMENTS.values()}
    assert set(SERVICES) <= deployed, f"services without a Deployment: {set(SERVICES) - deployed}"


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_command_names_a_module_that_runs(name: str) -> None:
    for container in containers(DEPLOYMENTS[name]):
        module = command_module(container.get("command"))
        assert module is not None, f"{name}: {container.get('command')} is not python -m ..."
        assert module_runs(module), f"{name}: python -m {module} finds nothing to run"


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_deployment_is_hardened_and_probed(name: str) -> None:
    assert deployment_problems(DEPLOYMENTS[name]) == []


def test_configmap_names_are_settings_fields_and_hold_no_secret() -> None:
    (config,) = CONFIG
    by_prefix = {
        env_prefix(settings_class(f"schemaline.{s}")): settings_class(f"schemaline.{s}") for s in SERVICES
    }
    problems = []
    for key, value in config["data"].items():
        owners = [cls for prefix, cls in by_prefix.items() if key.startswith(prefix)]
        if len(owners) != 1:
            problems.append(f"{key}: belongs to {len(owners)} services' prefixes")
            continue
        problems += env_problems(owners[0], [key])
        if key in secret_fields(owners[0]):
            problems.append(f"{key}: a secret field in the ConfigMap")
        if literal_password(str(value)):
            problems.append(f"{key}: a password in the ConfigMap")
    assert problems == []


def test_configmap_values_load_into_each_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ConfigMap's values must parse: a wrong Literal or number fails here."""
    (config,) = CONFIG
    for service in SERVICES:
        cls = settings_class(f"schemaline.{service}")
        with monkeypatch.context() as env:
            for key, value in config["data"].items():
                if key.startswith(env_prefix(cls)):
                    env.setenv(key, str(value))
            cls()


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_env_names_are_settings_fields_and_secrets_come_from_its_own_secret_keys(name: str) -> None:
    deployment = DEPLOYMENTS[name]
    cls = settings_class(module_of(deployment))
    template_keys = set(SECRET_TEMPLATE["stringData"])
    for container in containers(deployment):
        env = container.get("env", [])
        assert env_problems(cls, [e["name"] for e in env if e["name"].startswith("SCHEMALINE_")]) == []
        for entry in env:
            assert "value" not in entry or entry["name"] not in secret_fields(cls), f"{entry['name']} inline"
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == SECRET_TEMPLATE["metadata"]["name"]
                assert ref["key"] in template_keys, f"{name}: {ref['key']} missing from the Secret template"
                assert ref["key"].startswith(env_prefix(cls)), f"{name} reads another service's secret"
        config_refs = [s["configMapRef"]["name"] for s in container.get("envFrom", []) if "configMapRef" in s]
        assert config_refs == [c["metadata"]["name"] for c in CONFIG]
        assert not any("secretRef" in s for s in container.get("envFrom", [])), "the whole Secret exposed"


def test_secret_template_keys_are_settings_fields_with_placeholders_only() -> None:
    problems = []
    for key, value in SECRET_TEMPLATE["stringData"].items():
        service = next(s for s in SERVICES if key.startswith(env_prefix(settings_class(f"schemaline.{s}"))))
        problems += env_problems(settings_class(f"schemaline.{service}"), [key])
        if not (value.startswith("<") and value.endswith(">")):
            problems.append(f"{key}: not a <placeholder>")
    assert problems == []


def test_every_secret_field_a_deployment_needs_is_in_the_secret() -> None:
    for deployment in DEPLOYMENTS.values():
        cls = settings_class(module_of(deployment))
        refs = {
            e["name"]
            for c in containers(deployment)
            for e in c.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        prefix = env_prefix(cls)
        needed = {f"{prefix}BUS__AMQP_URL"}
        if keeps_tables(module_of(deployment)):
            needed.add(f"{prefix}DATABASE__URL")
        if "registry" in cls.model_fields:
            needed.add(f"{prefix}REGISTRY__TOKEN")
        assert needed <= refs & secret_fields(cls), deployment["metadata"]["name"]


def test_images_are_pinned() -> None:
    problems = []
    for name, deployment in DEPLOYMENTS.items():
        for container in containers(deployment):
            problems += image_problems(name, container["image"])
    for image in KUSTOMIZATION.get("images", []):
        problems += image_problems("kustomization", f"{image['newName']}:{image['newTag']}")
    assert problems == []


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = set(KUSTOMIZATION["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    templates = {n for n in on_disk if n.endswith(".template.yaml")}
    assert listed == on_disk - templates
    assert templates == {"secret.template.yaml"}


def test_everything_is_in_the_namespace() -> None:
    (namespace,) = k8s_objects(FILES, "Namespace")
    for obj in k8s_objects(FILES):
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace["metadata"]["name"], obj["metadata"]["name"]
    assert KUSTOMIZATION["namespace"] == namespace["metadata"]["name"]


def test_one_service_account_per_deployment_with_its_own_iam_role() -> None:
    accounts = {a["metadata"]["name"]: a for a in k8s_objects(FILES, "ServiceAccount")}
    used = [pod_spec(d)["serviceAccountName"] for d in DEPLOYMENTS.values()]
    assert len(set(used)) == len(used), "Deployments share a ServiceAccount"
    roles = []
    for account in used:
        assert account in accounts, f"ServiceAccount {account} is not defined"
        role = accounts[account]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        assert role.startswith("arn:aws:iam::"), role
        roles.append(role)
    assert len(set(roles)) == len(roles), "two services share an IAM role"


def selects(selector: dict[str, str], deployment: dict[str, Any]) -> bool:
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize(
    ("service", "module"), [("registry", "registry"), ("lineage-writer", "lineage_writer")]
)
def test_http_services_reach_a_declared_port(service: str, module: str) -> None:
    svc = next(s for s in k8s_objects(FILES, "Service") if s["metadata"]["name"] == service)
    (deployment,) = [d for d in DEPLOYMENTS.values() if selects(svc["spec"]["selector"], d)]
    assert module_of(deployment) == f"schemaline.{module}"
    ports = {p["name"] for c in containers(deployment) for p in c.get("ports", [])}
    assert {p["targetPort"] for p in svc["spec"]["ports"]} <= ports


def test_validator_has_a_disruption_budget_and_an_autoscaler() -> None:
    validator = next(d for d in DEPLOYMENTS.values() if module_of(d) == "schemaline.validator")
    (pdb,) = [
        p
        for p in k8s_objects(FILES, "PodDisruptionBudget")
        if selects(p["spec"]["selector"]["matchLabels"], validator)
    ]
    (hpa,) = [
        h
        for h in k8s_objects(FILES, "HorizontalPodAutoscaler")
        if h["spec"]["scaleTargetRef"]["name"] == validator["metadata"]["name"]
    ]
    assert hpa["spec"]["minReplicas"] >= 2
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "the budget would block every drain"
    assert "replicas" not in validator["spec"], "the HPA owns the replica count; kubectl apply would reset it"


def test_consumers_are_probed_by_their_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe reads the file the service writes, with the ConfigMap's settings applied."""
    assert not [n for n, d in DEPLOYMENTS.items() if d["metadata"].get("annotations", {}).get(EXEMPTION)]
    consumers = {n for n, d in DEPLOYMENTS.items() if service_of(module_of(d)) in HEARTBEAT_SERVICES}
    assert consumers == {"validator", "drift-detector", "governance", "lineage-writer"}
    (config,) = CONFIG
    for name in sorted(consumers):
        cls = settings_class(module_of(DEPLOYMENTS[name]))
        with monkeypatch.context() as env:
            for key, value in config["data"].items():
                if key.startswith(env_prefix(cls)):
                    env.setenv(key, str(value))
            health = cls().health  # type: ignore[attr-defined]
        for container in containers(DEPLOYMENTS[name]):
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


def probe_paths(name: str) -> set[str]:
    return {
        probe["httpGet"]["path"]
        for c in containers(DEPLOYMENTS[name])
        for key in ("startupProbe", "livenessProbe", "readinessProbe")
        if "httpGet" in (probe := c.get(key) or {})
    }


def test_registry_probes_hit_real_routes() -> None:
    app = registry_app(registry=None, tokens=TokenTable([]))  # type: ignore[arg-type]  # routes only
    routes = {path for path, operations in app.openapi()["paths"].items() if "get" in operations}
    assert probe_paths("registry")
    assert probe_paths("registry") <= routes


async def test_lineage_readiness_path_answers_200() -> None:
    app = lineage_app(InMemoryLineageStore(), RunEventBuilder(namespace="probe", producer="probe"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        for path in probe_paths("lineage-writer"):
            assert (await client.get(path)).status_code == 200, path
