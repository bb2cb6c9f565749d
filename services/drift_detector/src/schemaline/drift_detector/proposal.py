"""A drift case's schema-patch proposal: inferred from its quarantine, checked against the data and
by the compatibility engine, with a semver suggestion."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import jsonschema

from schemaline.contracts import Fqid, QuarantineLine
from schemaline.drift_detector.cases import DriftCase
from schemaline.drift_detector.patch import PatchProposal, propose_patch
from schemaline.drift_detector.ports import SchemaSource
from schemaline.runtime.objectstore import ObjectNotFound, ObjectStore
from schemaline.sdk import compat

ACCEPTED_SAMPLE = 1_000  # records the current version accepts, taken from the case's runs


@dataclass(frozen=True)
class DriftProposal:
    case: DriftCase
    base: Fqid
    patch: PatchProposal
    verdict: compat.Verdict
    suggested: Fqid
    quarantined: int
    sampled: int

    @property
    def acceptable(self) -> bool:
        """Only a patch that accepts every quarantined record and every sampled valid one goes out."""
        return self.patch.accepts_all

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case.case_id,
            "base": str(self.base),
            "suggested_fqid": str(self.suggested),
            "compatible": self.verdict.compatible,
            "semver": self.verdict.semver,
            "accepts_all": self.patch.accepts_all,
            "quarantined_records": self.quarantined,
            "sampled_valid_records": self.sampled,
            "steps": [_step(step) for step in self.patch.steps],
            "still_rejected": [_step(rejection) for rejection in self.patch.still_rejected],
            "changes": [change.to_json() for change in self.verdict.changes],
            "schema": self.patch.schema,
        }


def _step(item: Any) -> dict[str, Any]:
    return {name: getattr(item, name) for name in item.__slots__}


async def _quarantined(objects: ObjectStore, case: DriftCase) -> list[Any]:
    records: list[Any] = []
    for run in case.runs:
        if run.quarantine_uri is None:
            continue
        for raw in (await objects.get_bytes(run.quarantine_uri)).splitlines():
            if raw.strip():
                line = QuarantineLine.model_validate_json(raw)
                if line.record_class == "drift" and line.raw is None:
                    records.append(line.record)
    return records


async def _accepted_sample(objects: ObjectStore, case: DriftCase, schema: dict[str, Any]) -> list[Any]:
    """Up to ACCEPTED_SAMPLE records of the case's original batches that the base version accepts."""
    validator = jsonschema.validators.validator_for(schema)(schema)
    sample: list[Any] = []
    for run in case.runs:
        try:
            data = await objects.get_bytes(run.object_uri)
        except ObjectNotFound:
            continue
        for raw in itertools.islice(data.splitlines(), ACCEPTED_SAMPLE * 4):
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if validator.is_valid(record):
                sample.append(record)
                if len(sample) >= ACCEPTED_SAMPLE:
                    return sample
    return sample


async def build_proposal(
    case: DriftCase, *, schemas: SchemaSource, objects: ObjectStore, latest: Fqid | None = None
) -> DriftProposal:
    """Patch the latest version of the case's subject (or the one it drifted from) to cover it."""
    base = latest or case.schema_fqid
    schema = await schemas.schema(base)
    quarantined = await _quarantined(objects, case)
    sample = await _accepted_sample(objects, case, schema)
    patch = propose_patch(schema, quarantined, accepted_sample=sample)
    verdict = compat.check(patch.schema, [schema], level=compat.Level.BACKWARD)
    version = base.version.next_minor() if verdict.semver == "minor" else base.version.next_major()
    return DriftProposal(
        case=case,
        base=base,
        patch=patch,
        verdict=verdict,
        suggested=Fqid(base.subject, version),
        quarantined=len(quarantined),
        sampled=len(sample),
    )
