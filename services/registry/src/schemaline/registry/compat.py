"""How the registry asks the compatibility engine: parse the candidate, pick the history, next version."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import SchemaError as JsonSchemaError

from schemaline.contracts import ChangeSummary, Fingerprint, Version
from schemaline.registry.errors import InvalidSchemaError
from schemaline.registry.fingerprint import fingerprint_of, normalize
from schemaline.registry.limits import shape_problem
from schemaline.registry.model import SchemaVersion, SubjectConfig
from schemaline.sdk.compat import Level, Policy, SchemaError, Verdict
from schemaline.sdk.compat.api import JsonSchema
from schemaline.sdk.compat.validation import metaschema_validator, oversized_integer

Checker = Callable[[JsonSchema, Sequence[JsonSchema], Level, Policy], Verdict]
"""The compatibility engine's `check` (history oldest first); tests may pass another."""

FIRST_VERSION = Version(1, 0)


@dataclass(frozen=True, slots=True)
class Candidate:
    document: JsonSchema
    normalized: str
    fingerprint: Fingerprint
    bundle: JsonSchema | None = None  # with Confluent references: the document, references embedded

    @property
    def checked(self) -> JsonSchema:
        return self.document if self.bundle is None else self.bundle

    @classmethod
    def stored(cls, normalized: str, fingerprint: Fingerprint) -> Candidate:
        """A candidate already parsed and stored (a pending proposal)."""
        return cls(json.loads(normalized), normalized, fingerprint)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on a candidate against a subject's history, and the version it would get."""

    verdict: Verdict
    base: SchemaVersion | None
    next_version: Version
    gates: bool = True  # False for a declared new major: the verdict informs, it does not block

    @property
    def blocks(self) -> bool:
        return self.gates and not self.verdict.compatible

    @property
    def changes(self) -> tuple[ChangeSummary, ...]:
        return summarize(self.verdict)


def parse_candidate(document: Any) -> Candidate:
    """Check that `document` is a JSON Schema (its `$schema` dialect, draft-07 when unsaid, as the
    compatibility engine reads it) and fingerprint its normalized form."""
    if not isinstance(document, dict | bool):
        raise InvalidSchemaError(
            f"a JSON Schema is an object or a boolean, got {type(document).__name__}", pointer=""
        )
    if (problem := shape_problem(document)) is not None:
        pointer, what = problem
        raise InvalidSchemaError(f"schema too large: {what}", pointer=pointer)
    try:
        metaschema_validator(document).check_schema(document)
    except RecursionError:  # within the limits above this should not happen; it must never be a 500
        raise InvalidSchemaError("schema too deeply nested to check", pointer="") from None
    except JsonSchemaError as exc:
        pointer = "".join(f"/{part}" for part in exc.path)
        raise InvalidSchemaError(f"not a valid JSON Schema: {exc.message}", pointer=pointer) from None
    if (oversized := oversized_integer(document)) is not None:
        raise InvalidSchemaError(
            "integers beyond 64 bits cannot be loaded by every consumer", pointer=oversized
        )
    try:
        normalized = normalize(document)
    except ValueError as exc:  # NaN or Infinity cannot be stored as JSON
        raise InvalidSchemaError(f"not storable as JSON: {exc}", pointer="") from None
    return Candidate(json.loads(normalized), normalized, fingerprint_of(normalized))


def assess(
    checker: Checker,
    candidate: Candidate,
    history: Sequence[SchemaVersion],
    config: SubjectConfig,
    *,
    new_major: bool = False,
) -> Assessment:
    """Run the engine over the subject's versions; a breaking change (semver major) takes a new major.

    `new_major` opens the next major line on purpose: the verdict is still reported, but it does not
    gate the proposal (`gates` is False), and readers pinned to `^MAJOR` of the old line never see it.
    """
    # Versions soft-deleted through the Confluent API are not compared (as in Confluent), but they
    # keep their numbers: the next version still follows the newest one ever published.
    live = [version for version in history if not version.deleted]
    if not live:
        # A first version has nothing to be compatible with.
        verdict = Verdict(True, config.level, config.policy, (), "minor")
        return Assessment(verdict, history[-1] if history else None, _after(history))
    try:
        verdict = checker(candidate.checked, [v.checked for v in live], config.level, config.policy)
    except SchemaError as exc:
        raise InvalidSchemaError(str(exc)) from None
    except RecursionError:
        raise InvalidSchemaError("schema too deeply nested to compare", pointer="") from None
    base = history[-1]
    latest = base.fqid.version
    major = new_major or verdict.semver == "major" or _breaks_major_line(checker, candidate, live, config)
    return Assessment(
        verdict, base, latest.next_major() if major else latest.next_minor(), gates=not new_major
    )


def _breaks_major_line(
    checker: Checker, candidate: Candidate, live: Sequence[SchemaVersion], config: SubjectConfig
) -> bool:
    """Whether the candidate cannot read data of some version of the newest major line, whatever
    the subject's level (NONE gates nothing, BACKWARD looks at the latest only): version numbers
    follow compatibility, so a reader of `^MAJOR` never meets a schema that cannot read `vMAJOR.0`."""
    line = [v.checked for v in live if v.fqid.version.major == live[-1].fqid.version.major]
    try:
        semver = checker(candidate.checked, line, Level.BACKWARD_TRANSITIVE, config.policy)
    except SchemaError as exc:
        raise InvalidSchemaError(str(exc)) from None
    return not semver.compatible


def _after(history: Sequence[SchemaVersion]) -> Version:
    return history[-1].fqid.version.next_minor() if history else FIRST_VERSION


def summarize(verdict: Verdict) -> tuple[ChangeSummary, ...]:
    return tuple(
        ChangeSummary(
            type=change.type,
            path=change.path,
            keyword=change.keyword,
            compatible=change.compatible,
            message=change.message,
            suggestion=change.suggestion,
        )
        for change in verdict.changes
    )
