"""What the registry stores: versions, subject configuration, proposals and contract revisions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemaline.contracts import (
    CaseId,
    ChangeSummary,
    Fingerprint,
    Fqid,
    Layer,
    PipelineId,
    ProposalId,
    SchemaContract,
    Subject,
    Version,
)
from schemaline.sdk.compat import Level, Policy


@dataclass(frozen=True, slots=True)
class Reference:
    """A Confluent schema reference: `$ref: NAME` means version VERSION of SUBJECT."""

    name: str
    subject: Subject
    version: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "subject": str(self.subject), "version": self.version}


def references_json(references: tuple[Reference, ...]) -> str:
    return json.dumps([reference.to_json() for reference in references])


def parse_references(text: str | None) -> tuple[Reference, ...]:
    items = json.loads(text) if text else []
    return tuple(Reference(item["name"], Subject.parse(item["subject"]), item["version"]) for item in items)


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    """A published version; its content never changes (only the deprecation and deletion flags do)."""

    fqid: Fqid
    fingerprint: Fingerprint
    schema_text: str  # normalized JSON, served as stored
    deprecated: bool
    published_at: datetime
    proposal_id: ProposalId | None = None
    # Soft-deleted through the Confluent API: hidden from `latest`/`^MAJOR` and from compatibility
    # checks, still resolvable by exact FQID (a pinned run keeps working).
    deleted: bool = False
    references: tuple[Reference, ...] = ()
    bundle_text: str | None = None  # with references: the schema with what they name embedded

    @property
    def schema(self) -> Any:
        return json.loads(self.schema_text)

    @property
    def checked(self) -> Any:
        """What compatibility is judged on: the schema, its references resolved inside it."""
        return json.loads(self.bundle_text or self.schema_text)


@dataclass(frozen=True, slots=True)
class SubjectConfig:
    level: Level
    policy: Policy
    explicit: bool  # False: the global default applies


@dataclass(frozen=True, slots=True)
class SubjectSummary:
    subject: Subject
    latest: Version | None
    version_count: int
    level: Level | None
    policy: Policy | None


class ProposalState(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Proposal:
    id: ProposalId
    subject: Subject
    proposed: Version
    base: Version | None
    fingerprint: Fingerprint
    schema_text: str
    state: ProposalState
    level: Level
    policy: Policy
    changes: tuple[ChangeSummary, ...]
    covers: tuple[CaseId, ...]
    proposed_by: str
    created_at: datetime
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    published: Version | None = None
    new_major: bool = False  # opens a new major line: the current major's compatibility does not gate it
    references: tuple[Reference, ...] = ()  # Confluent schema references of the candidate

    @property
    def proposed_fqid(self) -> Fqid:
        return Fqid(self.subject, self.proposed)

    @property
    def base_fqid(self) -> Fqid | None:
        return Fqid(self.subject, self.base) if self.base else None


@dataclass(frozen=True, slots=True)
class ContractRevision:
    """One stored revision of a stage's contract; `contract` is None for a deletion."""

    pipeline_id: PipelineId
    layer: Layer
    revision: int
    contract: SchemaContract | None
    fingerprint: Fingerprint | None
    created_at: datetime
    created_by: str
