"""Path parameters of the Confluent API, parsed into the registry's types."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from schemaline.contracts import Subject
from schemaline.registry.confluent import errors
from schemaline.registry.confluent.requests import subject_of, version_of
from schemaline.registry.confluent.store import Registered
from schemaline.registry.model import Reference
from schemaline.registry.service import Registry


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _read_subject(subject: str) -> Subject:
    parsed = subject_of(subject, for_write=False)
    if parsed is None:  # not a Schemaline subject: it cannot exist here
        raise errors.subject_not_found(subject)
    return parsed


def _write_subject(subject: str) -> Subject:
    parsed = subject_of(subject, for_write=True)
    assert parsed is not None
    return parsed


def _version(version: str) -> int | None:
    return version_of(version)


RegistryDep = Annotated[Registry, Depends(_registry)]
ReadSubject = Annotated[Subject, Depends(_read_subject)]
WriteSubject = Annotated[Subject, Depends(_write_subject)]
VersionParam = Annotated[int | None, Depends(_version)]


def references_json(references: tuple[Reference, ...]) -> dict[str, Any]:
    return {"references": [r.to_json() for r in references]} if references else {}


def registered_json(found: Registered) -> dict[str, Any]:
    return {
        "subject": str(found.subject),
        "version": found.number,
        "id": found.schema_id,
        "schemaType": "JSON",
        "schema": found.schema_text,
        **references_json(found.references),
    }
