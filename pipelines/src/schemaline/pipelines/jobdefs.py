"""Pipeline definitions and their lint: Glue jobs (`pipelines/jobs/*.json`, CreateJob requests) and
the extractor Lambda (`pipelines/functions/*.json`, CreateFunction requests).

Governance: every Glue job MUST declare its schema FQID (or selector) in
`DefaultArguments["--schema-fqid"]`, every function in `Environment.Variables.SCHEMALINE_SCHEMA_FQID`.
And each must run on a Python the code runs on (MIN_PYTHON): Glue Python shell (3.9) and Glue
before 5.0 cannot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemaline.contracts import FqidError, Selector

SCHEMA_ARG = "--schema-fqid"
SCHEMA_ENV = "SCHEMALINE_SCHEMA_FQID"
MIN_PYTHON = (3, 11)  # the packages' requires-python (a test keeps the two equal)
# The Python a Glue Spark job (glueetl, gluestreaming) runs, by GlueVersion (AWS's release notes).
GLUE_SPARK_PYTHON = {
    "0.9": (2, 7),
    "1.0": (3, 6),
    "2.0": (3, 7),
    "3.0": (3, 7),
    "4.0": (3, 10),
    "5.0": (3, 11),
}
# A Python shell job runs Command.PythonVersion: "3" is 3.6, "3.9" is 3.9; Ray jobs run 3.9.
GLUE_SHELL_PYTHON = {"2": (2, 7), "3": (3, 6), "3.9": (3, 9)}
GLUE_RAY_PYTHON = (3, 9)


class UnreadableDefinitionError(Exception):
    """A file that cannot be read, or is not JSON."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


@dataclass(frozen=True, slots=True)
class JobDefinition:
    path: Path
    body: Mapping[str, Any]

    @property
    def is_function(self) -> bool:
        """A Lambda CreateFunction request rather than a Glue CreateJob request."""
        return "FunctionName" in self.body and "Name" not in self.body

    @property
    def name(self) -> str:
        name = self.body.get("FunctionName" if self.is_function else "Name")
        return name if isinstance(name, str) and name else self.path.stem

    @property
    def arguments(self) -> Mapping[str, Any]:
        arguments = self.body.get("DefaultArguments")
        return arguments if isinstance(arguments, Mapping) else {}

    def _declared(self) -> tuple[str, Any] | str:
        """(where, value) of the declared schema, or why there is none."""
        if self.is_function:
            environment = self.body.get("Environment", {})
            variables = environment.get("Variables") if isinstance(environment, Mapping) else None
            where = f"Environment.Variables[{SCHEMA_ENV!r}]"
            return (where, variables.get(SCHEMA_ENV)) if isinstance(variables, Mapping) else f"has no {where}"
        if not isinstance(self.body.get("Name"), str) or not self.body.get("Name"):
            return "has no Name: not a Glue CreateJob request"
        if not isinstance(self.body.get("DefaultArguments"), Mapping):
            return f"has no DefaultArguments, so no {SCHEMA_ARG}"
        return f"DefaultArguments[{SCHEMA_ARG!r}]", self.arguments.get(SCHEMA_ARG)

    def problems(self) -> list[str]:
        """What keeps this definition from declaring a schema or running the code; empty when fine."""
        declared = self._declared()
        if isinstance(declared, str):
            return [declared]
        where, value = declared
        problems = []
        if value is None or value == "":
            problems.append(f"declares no schema: {where} is missing")
        elif not isinstance(value, str):
            problems.append(f"{where} must be a string, got {type(value).__name__}")
        else:
            try:
                Selector.parse(value)
            except FqidError as exc:
                problems.append(f"{where} is malformed: {exc}")
        return problems + runtime_problems(self.body, function=self.is_function)

    @property
    def selector(self) -> Selector:
        """The declared schema (call only when `problems()` is empty)."""
        declared = self._declared()
        assert not isinstance(declared, str), declared
        return Selector.parse(declared[1])


def _version(python: tuple[int, int]) -> str:
    return ".".join(map(str, python))


def runtime_problems(body: Mapping[str, Any], *, function: bool) -> list[str]:
    """Why the runtime a definition asks for cannot run the pipelines (they need MIN_PYTHON)."""
    need = f"the pipelines need Python >= {_version(MIN_PYTHON)}"
    if function:
        runtime = str(body.get("Runtime", ""))
        major, _, minor = runtime.removeprefix("python").partition(".")
        if not runtime.startswith("python") or not (major.isdigit() and minor.isdigit()):
            return [f"Runtime {runtime!r} is not a Python runtime: {need} (python3.11, python3.12)"]
        if (int(major), int(minor)) < MIN_PYTHON:
            return [f"Runtime {runtime} runs Python {major}.{minor}: {need}"]
        return []
    command = body.get("Command")
    kind = command.get("Name") if isinstance(command, Mapping) else None
    if kind == "pythonshell":
        version = str(command.get("PythonVersion", "3")) if isinstance(command, Mapping) else "3"
        shell = GLUE_SHELL_PYTHON.get(version, (3, 6))
        return [f"a Glue Python shell job runs Python {_version(shell)}: {need} (a Glue 5.0 glueetl job)"]
    if kind == "glueray":
        return [f"a Glue Ray job runs Python {_version(GLUE_RAY_PYTHON)}: {need} (a Glue 5.0 glueetl job)"]
    glue = str(body.get("GlueVersion", "0.9"))
    python = GLUE_SPARK_PYTHON.get(glue)
    if python is None:
        return []  # a Glue version newer than this table: assume it runs a current Python
    if python < MIN_PYTHON:
        return [f"GlueVersion {glue} runs Python {_version(python)}: {need} (GlueVersion 5.0)"]
    return []


def definition_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the `*.json` of folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return found


def load(path: Path) -> JobDefinition:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UnreadableDefinitionError(path, exc.strerror or str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableDefinitionError(path, f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise UnreadableDefinitionError(path, f"a job definition is a JSON object, got {type(body).__name__}")
    return JobDefinition(path, body)


@dataclass
class LintReport:
    checked: list[JobDefinition] = field(default_factory=list)
    offending: list[tuple[JobDefinition, list[str]]] = field(default_factory=list)
    unreadable: list[UnreadableDefinitionError] = field(default_factory=list)


def lint(paths: Iterable[Path]) -> LintReport:
    report = LintReport()
    for path in definition_files(paths):
        try:
            job = load(path)
        except UnreadableDefinitionError as exc:
            report.unreadable.append(exc)
            continue
        report.checked.append(job)
        if problems := job.problems():
            report.offending.append((job, problems))
    return report


def load_folder(folder: Path) -> dict[str, JobDefinition]:
    """The definitions in a folder by job name."""
    return {job.name: job for job in (load(path) for path in definition_files([folder]))}
