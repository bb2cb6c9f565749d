"""Subjects, versions, compatibility checks, proposals, configuration and deprecation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict

from schemaline.contracts import ProposalId, Selector, Subject
from schemaline.contracts.fqid import MAX_FQID_LENGTH, SUBJECT_PATTERN
from schemaline.registry import service
from schemaline.registry.api.models import (
    CheckIn,
    ConfigIn,
    ConfigOut,
    ErrorOut,
    ProposalOut,
    ProposeOut,
    SchemaIn,
    SubjectOut,
    VerdictOut,
    VersionOut,
)
from schemaline.registry.api.params import FqidParam, RegistryDep, SubjectParam
from schemaline.registry.model import ProposalState
from schemaline.runtime.http.auth import Configurer, Governor, LimitedProposer, LimitedReader, Reader

router = APIRouter(tags=["subjects"])

_404: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "Unknown subject/version"}}
_422: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorOut, "description": "Invalid schema or parameter"}
}


class DeprecationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deprecated: bool = True


@router.get("/subjects", response_model=list[SubjectOut])
async def list_subjects(registry: RegistryDep, _: Reader) -> list[SubjectOut]:
    """Every subject, with its latest version and its own configuration."""
    return [SubjectOut.of(summary) for summary in await service.list_subjects(registry)]


@router.get("/subjects/{subject}/versions", response_model=list[VersionOut], responses=_404)
async def list_versions(registry: RegistryDep, subject: SubjectParam, _: Reader) -> list[VersionOut]:
    """Published versions, oldest first (schemas left out)."""
    found = await service.subject_versions(registry, subject)
    return [VersionOut.of(version, with_schema=False) for version in found]


@router.get("/subjects/{subject}/versions/{version}", response_model=VersionOut, responses=_404)
async def get_version(registry: RegistryDep, fqid: FqidParam, _: Reader) -> VersionOut:
    """One version with its schema."""
    version = await service.fetch(registry, Selector.exact(fqid))
    return VersionOut.of(version, with_schema=True)


@router.post(
    "/subjects/{subject}/versions",
    response_model=ProposeOut,
    status_code=202,
    responses={
        200: {"model": ProposeOut, "description": "Identical content already published or pending"},
        409: {"model": ErrorOut, "description": "PIPE-1103: incompatible, with the changes"},
        **_422,
    },
)
async def propose(
    registry: RegistryDep,
    subject: SubjectParam,
    body: SchemaIn,
    principal: LimitedProposer,
    response: Response,
) -> ProposeOut:
    """Check a new version and propose it to governance; it is published once approved."""
    outcome = await service.propose(
        registry,
        subject,
        body.schema_,
        proposed_by=principal.name,
        covers=body.covers_drift_cases,
        new_major=body.new_major,
    )
    if not outcome.created:
        response.status_code = 200
    if outcome.version is not None:
        return ProposeOut(
            status=outcome.status,
            created=False,
            fqid=outcome.version.fqid,
            fingerprint=outcome.version.fingerprint,
        )
    assert outcome.proposal is not None
    proposal = outcome.proposal
    return ProposeOut(
        status=outcome.status,
        created=outcome.created,
        fqid=proposal.proposed_fqid,
        fingerprint=proposal.fingerprint,
        proposal=ProposalOut.of(proposal),
    )


@router.post("/subjects/{subject}/compatibility", response_model=VerdictOut, responses=_422)
async def check_compatibility(
    registry: RegistryDep, subject: SubjectParam, body: CheckIn, _: LimitedReader
) -> VerdictOut:
    """Dry run: the verdict and changes a proposal would get; nothing is registered."""
    assessment = await service.dry_run(registry, subject, body.schema_, body.level, body.policy)
    return VerdictOut.of(subject, assessment)


@router.get("/subjects/{subject}/config", response_model=ConfigOut, responses=_404)
async def get_config(registry: RegistryDep, subject: SubjectParam, _: Reader) -> ConfigOut:
    """The level and policy applied to the subject."""
    config = await service.subject_config(registry, subject)
    return ConfigOut(subject=subject, level=config.level, policy=config.policy, explicit=config.explicit)


@router.put("/subjects/{subject}/config", response_model=ConfigOut)
async def put_config(
    registry: RegistryDep, subject: SubjectParam, body: ConfigIn, _: Configurer
) -> ConfigOut:
    """Set the subject's level and policy (null: back to the global default)."""
    config = await service.configure(registry, subject, body.level, body.policy)
    return ConfigOut(subject=subject, level=config.level, policy=config.policy, explicit=config.explicit)


@router.put("/subjects/{subject}/versions/{version}/deprecated", response_model=VersionOut, responses=_404)
async def deprecate(registry: RegistryDep, fqid: FqidParam, body: DeprecationIn, _: Governor) -> VersionOut:
    """Deprecate (or restore) a version: `latest` and `^MAJOR` skip deprecated versions."""
    version = await service.set_deprecated(registry, fqid, body.deprecated)
    return VersionOut.of(version, with_schema=False)


@router.get("/proposals", response_model=list[ProposalOut])
async def list_proposals(
    registry: RegistryDep,
    _: Reader,
    subject: Annotated[str | None, Query(pattern=f"^{SUBJECT_PATTERN}$", max_length=MAX_FQID_LENGTH)] = None,
    state: ProposalState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ProposalOut]:
    """Proposals, newest first."""
    parsed = Subject.parse(subject) if subject else None
    return [ProposalOut.of(p) for p in await service.list_proposals(registry, parsed, state, limit)]


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, responses=_404)
async def get_proposal(
    registry: RegistryDep, proposal_id: Annotated[str, Path(max_length=64)], _: Reader
) -> ProposalOut:
    """One proposal and its decision."""
    return ProposalOut.of(await service.get_proposal(registry, ProposalId(proposal_id)))
