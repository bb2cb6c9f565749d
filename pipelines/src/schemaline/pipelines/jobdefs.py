"""Glue job definitions (`pipelines/jobs/*.json`, CreateJob request shape) and their lint.

Governance: every Glue job MUST declare its schema FQID (or selector) in
`DefaultArguments["--schema-fqid"]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemaline.contracts import FqidError, Selector

SCHEMA_ARG = "--schema-fqid"


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
    def name(self) -> str:
        name = self.body.get("Name")
        return name if isinstance(name, str) and name else self.path.stem

    @property
    def arguments(self) -> Mapping[str, Any]:
        arguments = self.body.get("DefaultArguments")
        return arguments if isinstance(arguments, Mapping) else {}

    def problems(self) -> list[str]:
        """What keeps this job from declaring a schema; empty when it declares a valid one."""
        if not isinstance(self.body.get("Name"), str) or not self.body.get("Name"):
            return ["has no Name: not a Glue CreateJob request"]
        if not isinstance(self.body.get("DefaultArguments"), Mapping):
            return [f"has no DefaultArguments, so no {SCHEMA_ARG}"]
        declared = self.arguments.get(SCHEMA_ARG)
        if declared is None or declared == "":
            return [f"declares no schema: DefaultArguments[{SCHEMA_ARG!r}] is missing"]
        if not isinstance(declared, str):
            return [f"DefaultArguments[{SCHEMA_ARG!r}] must be a string, got {type(declared).__name__}"]
        try:
            Selector.parse(declared)
        except FqidError as exc:
            return [f"DefaultArguments[{SCHEMA_ARG!r}] is malformed: {exc}"]
        return []

    @property
    def selector(self) -> Selector:
        """The declared schema (call only when `problems()` is empty)."""
        return Selector.parse(self.arguments[SCHEMA_ARG])


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
