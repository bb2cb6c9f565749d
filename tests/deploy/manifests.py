"""Readers for the deployment artefacts and the checks the tests in this folder apply to them.

The checks are plain functions that return a list of problems, so the tests can also run them on
broken inputs and show that they catch the mistake.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import inspect
import io
import re
import subprocess
import sys
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_settings import BaseSettings

from schemaline.runtime import health
from schemaline.runtime.service import ServiceSpec
from schemaline.runtime.settings import HealthSettings, HttpSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
PACKAGES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").is_file())
# A service in the image with no compose, EKS or ECS definition yet: the deploy checks below hold for
# the services that are deployed (all of them now).
NOT_DEPLOYED: set[str] = set()
SERVICES = [service for service in PACKAGES if service not in NOT_DEPLOYED]

# Modules that are not services but run in a container, and the settings class they read.
NON_SERVICE_SETTINGS: dict[str, type[BaseSettings]] = {"schemaline.runtime.objectstore": ServiceSettings}

PLACEHOLDER = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}")
USERINFO_PASSWORD = re.compile(r"://[^/@\s:]+:[^/@\s]+@")
SECRET_NAME = re.compile(r"PASSWORD|_PASS$|SECRET|TOKEN", re.IGNORECASE)
EXEMPTION = "schemaline.io/probe-exemption"
# Services whose process serves with a heartbeat (serve_until_signalled(service, settings.health)):
# their liveness signal is the heartbeat file, read by `python -m schemaline.runtime.health`.
HEARTBEAT_SERVICES = {"validator", "drift_detector", "governance", "lineage_writer", "alerts"}
HEALTH_MODULE = health.__name__
# What a served HTTP app needs from the Secret: an API its token table (AUTH__TOKENS; empty, it refuses
# everyone); the console, which forwards each operator's own token, the key that signs its sessions
# (unset, every replica signs with its own random key and a sign-in lasts until the next restart).
API_CREDENTIAL = {"console": "SESSION__SECRET"}


# ---- loading ------------------------------------------------------------------------------------


def load_compose(path: Path = COMPOSE) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def load_k8s(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every YAML file of a folder → its documents (kustomizations and patches as written)."""
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(folder.glob("*.yaml"))
    }


@functools.cache
def _render(overlay: str) -> str:
    kubectl = Path(sys.executable).with_name("kubectl")
    done = subprocess.run(
        [str(kubectl), "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"kubectl kustomize overlays/{overlay}: {done.stderr}")
    return done.stdout


def rendered(overlay: str) -> list[dict[str, Any]]:
    """What `kubectl kustomize deploy/k8s/overlays/OVERLAY` outputs: what `kubectl apply -k` applies."""
    return [doc for doc in yaml.safe_load_all(_render(overlay)) if doc]


def k8s_objects(docs: list[dict[str, Any]], kind: str | None = None) -> list[dict[str, Any]]:
    return [doc for doc in docs if kind is None or doc.get("kind") == kind]


def strings(node: Any) -> Iterator[str]:
    """Every string value (not key) of a loaded YAML tree."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)


def env_example(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value
    return values


# ---- commands and settings ----------------------------------------------------------------------


def command_module(command: Any) -> str | None:
    """`schemaline.x` of a `["python", "-m", "schemaline.x", ...]` command, else None."""
    if isinstance(command, list) and len(command) >= 3 and command[0] == "python" and command[1] == "-m":
        module = command[2]
        return module if isinstance(module, str) else None
    return None


def module_runs(module: str) -> bool:
    """`python -m module` would find something to run: a module, or a package with `__main__`."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return False
    if spec is None:
        return False
    if spec.submodule_search_locations is not None:
        return importlib.util.find_spec(f"{module}.__main__") is not None
    return True


def service_of(module: str) -> str | None:
    """The service a command module runs (`schemaline.validator` → `validator`)."""
    name = module.removeprefix("schemaline.")
    return name if module.startswith("schemaline.") and name in SERVICES else None


def keeps_tables(module: str) -> bool:
    """The service owns database tables (its spec is stateful), so it needs a real database URL."""
    service = service_of(module)
    if service is None:
        return False
    return _spec(service).stateful


def _spec(service: str) -> ServiceSpec[Any, Any]:
    spec: ServiceSpec[Any, Any] = importlib.import_module(f"schemaline.{service}.spec").SPEC
    return spec


def consumes(module: str) -> bool:
    """The service handles events, so it needs the bus (the console consumes and publishes none)."""
    service = service_of(module)
    return service is not None and bool(_spec(service).handlers.detail_types)


def api_credential(module: str) -> str:
    """The environment name a service's served HTTP app must take from the Secret."""
    cls = settings_class(module)
    return env_prefix(cls) + API_CREDENTIAL.get(service_of(module) or "", "AUTH__TOKENS")


def settings_class(module: str) -> type[BaseSettings]:
    """The settings class a container running `python -m module` reads."""
    if module in NON_SERVICE_SETTINGS:
        return NON_SERVICE_SETTINGS[module]
    service = service_of(module)
    if service is None:
        raise LookupError(f"{module}: neither a service nor a known module")
    settings_module = importlib.import_module(f"schemaline.{service}.settings")
    found = [
        cls
        for _, cls in inspect.getmembers(settings_module, inspect.isclass)
        if issubclass(cls, ServiceSettings) and cls.__module__ == settings_module.__name__
    ]
    if len(found) != 1:
        raise LookupError(f"schemaline.{service}.settings defines {len(found)} ServiceSettings classes")
    return found[0]


def env_prefix(cls: type[BaseSettings]) -> str:
    prefix = cls.model_config.get("env_prefix", "")
    return str(prefix)


def _unwrap(annotation: Any) -> list[Any]:
    """The classes an annotation may hold (Optional/Union flattened)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return [part for arg in typing.get_args(annotation) for part in _unwrap(arg)]
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def contains_secret(annotation: Any) -> bool:
    """The type holds a SecretStr/SecretBytes anywhere (in a model, list or dict included)."""
    for part in _unwrap(annotation):
        if inspect.isclass(part) and issubclass(part, SecretStr | SecretBytes):
            return True
        if _is_model(part) and any(contains_secret(f.annotation) for f in part.model_fields.values()):
            return True
        if any(contains_secret(arg) for arg in typing.get_args(part)):
            return True
    return False


def resolve_env(cls: type[BaseSettings], name: str) -> tuple[str, Any] | str:
    """Walk `name` (prefix, then fields separated by `__`) through the settings model.

    Returns (dotted field path, annotation) for a real field, or a problem description.
    """
    prefix = env_prefix(cls)
    if not name.startswith(prefix):
        return f"{name}: not under {cls.__name__}'s prefix {prefix}"
    parts = name[len(prefix) :].split("__")
    model: type[BaseModel] = cls
    path: list[str] = []
    for index, part in enumerate(parts):
        field = model.model_fields.get(part.lower())
        if field is None or part != part.upper():
            return f"{name}: {model.__name__} has no field {part.lower()!r} (from {part!r})"
        path.append(part.lower())
        if index == len(parts) - 1:
            return ".".join(path), field.annotation
        nested = [p for p in _unwrap(field.annotation) if _is_model(p)]
        if nested:
            model = nested[0]
            continue
        if any(typing.get_origin(p) is dict for p in _unwrap(field.annotation)):
            return ".".join([*path, *parts[index + 1 :]]), Any  # keys of a dict field
        rest = "__".join(parts[index + 1 :])
        return f"{name}: {'.'.join(path)} is not a nested model, so {rest} is not a field"
    raise AssertionError("unreachable")


def env_problems(cls: type[BaseSettings], names: list[str]) -> list[str]:
    return [r for name in names if isinstance(r := resolve_env(cls, name), str)]


def is_secret_env(cls: type[BaseSettings], name: str) -> bool:
    resolved = resolve_env(cls, name)
    return not isinstance(resolved, str) and contains_secret(resolved[1])


def secret_fields(cls: type[BaseSettings]) -> set[str]:
    """Environment names of every top-level or nested field that holds a secret."""
    names: set[str] = set()

    def walk(model: type[BaseModel], prefix: str) -> None:
        for field_name, field in model.model_fields.items():
            env = f"{prefix}{field_name.upper()}"
            nested = [p for p in _unwrap(field.annotation) if _is_model(p)]
            if nested and not any(issubclass(p, SecretStr | SecretBytes) for p in nested):
                walk(nested[0], f"{env}__")
            elif contains_secret(field.annotation):
                names.add(env)

    walk(cls, env_prefix(cls))
    return names


# ---- values -------------------------------------------------------------------------------------


def strip_placeholders(value: str) -> str:
    return PLACEHOLDER.sub("", value)


def literal_password(value: str) -> bool:
    """A URL with a password written out (placeholders removed first)."""
    return bool(USERINFO_PASSWORD.search(strip_placeholders(value)))


def placeholder_with_default(value: str) -> bool:
    return any(m.group("op") in ("-", ":-") for m in PLACEHOLDER.finditer(value))


def compose_secret_problems(
    service: str, env: Mapping[str, Any], cls: type[BaseSettings] | None
) -> list[str]:
    """Secrets in one compose service's environment must come from placeholders without defaults."""
    problems = []
    for name, raw in env.items():
        value = "" if raw is None else str(raw)
        where = f"{service}: {name}"
        if literal_password(value):
            problems.append(f"{where}: a password written out in a URL")
        secret = bool(SECRET_NAME.search(name)) or (
            cls is not None and name.startswith("SCHEMALINE_") and is_secret_env(cls, name)
        )
        if secret and not PLACEHOLDER.search(value):
            problems.append(f"{where}: a secret with no ${{…}} placeholder")
        if secret and placeholder_with_default(value):
            problems.append(f"{where}: a secret placeholder with a default value")
    return problems


def expand(value: str, variables: Mapping[str, str]) -> str:
    """Interpolate compose placeholders from `variables` (what compose does with .env)."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        current = variables.get(name)
        if op in (":-", "-") and not current:
            return arg
        if current is None:
            raise KeyError(f"${{{name}}} is not set in .env.example")
        return current

    return PLACEHOLDER.sub(one, value)


def image_problems(where: str, image: str, *, require_version: bool = True) -> list[str]:
    """An image reference must carry a digest, or a tag that is not `latest` (a version if asked)."""
    if "@sha256:" in image:
        return []
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return [f"{where}: {image} has no tag"]
    tag = last.rsplit(":", 1)[1]
    if tag == "latest":
        return [f"{where}: {image} uses latest"]
    if require_version and not re.search(r"\d", tag):
        return [f"{where}: {image}: tag {tag!r} names no version"]
    return []


# ---- Kubernetes -----------------------------------------------------------------------------------


def pod_spec(deployment: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def containers(deployment: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(deployment)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def deployment_problems(deployment: Mapping[str, Any]) -> list[str]:
    """Resources, probes (or a documented exemption), non-root, read-only root, drain time."""
    name = deployment["metadata"]["name"]
    spec = pod_spec(deployment)
    problems: list[str] = []
    pod_security = spec.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True:
        problems.append(f"{name}: pod securityContext.runAsNonRoot is not true")
    if pod_security.get("runAsUser", 0) == 0:
        problems.append(f"{name}: pod securityContext.runAsUser is unset or 0")
    grace = spec.get("terminationGracePeriodSeconds")
    exemption = str(deployment["metadata"].get("annotations", {}).get(EXEMPTION, "")).strip()
    for container in spec.get("initContainers", []):  # run to completion: no probes, no drain
        problems += container_problems(f"{name}/{container['name']}", container)
    for container in spec["containers"]:
        where = f"{name}/{container['name']}"
        problems += container_problems(where, container)
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        probes = [container.get(k) for k in ("livenessProbe", "readinessProbe", "startupProbe")]
        for probe in probes:
            check = (probe or {}).get("httpGet") or (probe or {}).get("tcpSocket")
            if check and check["port"] not in ports and check["port"] not in ports.values():
                problems.append(f"{where}: a probe targets port {check['port']!r}, not declared")
        module = command_module(container.get("command"))
        service = service_of(module) if module else None
        if service in HEARTBEAT_SERVICES:
            problems += heartbeat_probe_problems(where, container)
            if exemption:
                problems.append(f"{where}: the service writes a heartbeat: the {EXEMPTION} is stale")
        if ports and not all(probes[:2]):
            problems.append(
                f"{where}: serves ports {sorted(ports.values())} but lacks liveness/readiness probes"
            )
        elif not ports and not probes[0] and not exemption:
            problems.append(f"{where}: no liveness probe and no {EXEMPTION} annotation saying why")
        if not isinstance(grace, int) or grace < 30:
            problems.append(f"{where}: terminationGracePeriodSeconds {grace!r} is not set to 30 s or more")
        else:
            pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
            if pre_stop[:1] == ["sleep"] and grace < int(pre_stop[1]) + 20:
                problems.append(
                    f"{where}: {grace} s grace leaves under 20 s to drain after the preStop sleep"
                )
    return problems


def container_problems(where: str, container: Mapping[str, Any]) -> list[str]:
    """Resources, no privilege escalation, read-only root with a writable /tmp, no capabilities."""
    problems = []
    resources = container.get("resources", {})
    problems += [
        f"{where}: no resources.{bound}.{resource}"
        for bound in ("requests", "limits")
        for resource in ("cpu", "memory")
        if resource not in resources.get(bound, {})
    ]
    security = container.get("securityContext", {})
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation is not false")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append(f"{where}: readOnlyRootFilesystem is not true")
    elif not any(m.get("mountPath") == "/tmp" for m in container.get("volumeMounts", [])):
        problems.append(f"{where}: read-only root without a writable /tmp (tempfile spools there)")
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        problems.append(f"{where}: capabilities not dropped")
    return problems


def heartbeat_args(probe: Mapping[str, Any] | None) -> Any:
    """The parsed arguments of an exec probe running the heartbeat check, else None."""
    command = (probe or {}).get("exec", {}).get("command")
    if command_module(command) != HEALTH_MODULE:
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return health.parser().parse_args(command[3:])
    except SystemExit:  # argparse rejected the arguments
        return None


def heartbeat_probe_problems(
    where: str, container: Mapping[str, Any], settings: HealthSettings | None = None
) -> list[str]:
    """A consumer's liveness must be the heartbeat check, behind a startup probe (the file appears
    only once the consumer runs). With the service's settings: same file, on a mounted volume (the
    root is read-only), and a staleness limit that spans several touches."""
    liveness = heartbeat_args(container.get("livenessProbe"))
    if liveness is None:
        return [f"{where}: consumer without a liveness probe running python -m {HEALTH_MODULE}"]
    problems = []
    if container.get("startupProbe") is None:
        problems.append(f"{where}: heartbeat liveness without a startup probe (no file until it consumes)")
    if settings is not None:
        if liveness.path != settings.heartbeat_path:
            problems.append(f"{where}: probe reads {liveness.path}, service writes {settings.heartbeat_path}")
        if liveness.max_age < 3 * settings.interval_s:
            problems.append(
                f"{where}: --max-age {liveness.max_age:g} s < 3 touches of {settings.interval_s:g} s"
            )
        mounts = [m.get("mountPath", "") for m in container.get("volumeMounts", [])]
        if not any(liveness.path.startswith(f"{m.rstrip('/')}/") for m in mounts):
            problems.append(f"{where}: heartbeat {liveness.path} is not on a mounted (writable) volume")
    return problems


def _selects_pods(selector: Mapping[str, str], deployment: Mapping[str, Any]) -> bool:
    labels = deployment["spec"]["template"]["metadata"].get("labels", {})
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _container_port(container: Mapping[str, Any], port: Any) -> int | None:
    """The container port a Service's targetPort or a probe's port names (by name or number)."""
    for declared in container.get("ports", []):
        if port in (declared.get("name"), declared["containerPort"]):
            return int(declared["containerPort"])
    return None


def http_api_problems(
    deployment: Mapping[str, Any],
    services: list[dict[str, Any]],
    http: HttpSettings,
    secret_refs: set[str],
    credential: str,
) -> list[str]:
    """A Deployment serves its HTTP API exactly when its settings (as the pods load them) enable it:
    bound on every interface at the port the container declares, behind a Service that targets that
    port, probed for readiness there, with its `credential` (`api_credential`) from the Secret."""
    name = deployment["metadata"]["name"]
    container = pod_spec(deployment)["containers"][0]
    declared = {int(p["containerPort"]) for p in container.get("ports", [])}
    mine = [s for s in services if _selects_pods(s["spec"].get("selector", {}), deployment)]
    if not http.enabled:
        problems = [f"{name}: declares ports {sorted(declared)} but serves no API"] if declared else []
        return problems + [f"{name}: Service {s['metadata']['name']} fronts no API" for s in mine]
    problems = []
    if http.host not in ("0.0.0.0", "::"):
        problems.append(f"{name}: the API binds {http.host}, unreachable from the Service and probes")
    if http.port not in declared:
        problems.append(f"{name}: the API listens on {http.port}, the container declares {sorted(declared)}")
    if not mine:
        problems.append(f"{name}: serves an API that no Service fronts")
    for service in mine:
        for port in service["spec"]["ports"]:
            target = _container_port(container, port.get("targetPort", port["port"]))
            if target != http.port:
                problems.append(
                    f"{name}: Service {service['metadata']['name']} port {port['port']} reaches "
                    f"{target}, not the API's {http.port}"
                )
    readiness = (container.get("readinessProbe") or {}).get("httpGet")
    if readiness is None or _container_port(container, readiness["port"]) != http.port:
        problems.append(f"{name}: no readiness probe on the API's port {http.port}")
    if credential not in secret_refs:
        problems.append(f"{name}: serves an API without {credential} from the Secret")
    return problems
