"""Path and query parameters parsed into the contract types (a malformed one is a 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from schemaline.contracts import Fqid, Subject, Version
from schemaline.contracts.fqid import MAX_FQID_LENGTH, SUBJECT_PATTERN
from schemaline.registry.service import Registry

PIPELINE_ID_PATTERN = r"^[a-z][a-z0-9_]{0,127}$"
VERSION_PATTERN = r"^v(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$"


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _subject(
    subject: Annotated[
        str,
        Path(pattern=f"^{SUBJECT_PATTERN}$", max_length=MAX_FQID_LENGTH, examples=["finance.gdp.invoice"]),
    ],
) -> Subject:
    return Subject.parse(subject)


def _fqid(
    subject: Annotated[Subject, Depends(_subject)],
    version: Annotated[str, Path(pattern=VERSION_PATTERN, examples=["v1.0"])],
) -> Fqid:
    return Fqid(subject, Version.parse(version))


RegistryDep = Annotated[Registry, Depends(_registry)]
SubjectParam = Annotated[Subject, Depends(_subject)]
FqidParam = Annotated[Fqid, Depends(_fqid)]
PipelineIdParam = Annotated[str, Path(pattern=PIPELINE_ID_PATTERN, examples=["finance_gdp_transform"])]
