"""Quarantine: every rejected record, whole and with its reasons, as JSON Lines in the object store.

Rejected records spool to a temporary file (in memory up to a few MB, then on disk), so a batch
with many rejects still uses bounded memory; the file is uploaded as one object per batch.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime

from schemaline.contracts import Fqid, PipelineId, QuarantineLine, RuleViolation, RunId
from schemaline.runtime.objectstore import ObjectStore
from schemaline.sdk.validation import RejectedRecord

SPOOL_IN_MEMORY = 8 << 20
UPLOAD_CHUNK = 8 << 20
SAMPLE_VIOLATIONS = 20  # the first errors travel in PipelineFailed; all are in quarantine


def quarantine_uri(prefix: str, pipeline_id: str, fqid: Fqid, run_id: str, batch_id: str) -> str:
    """`<prefix>/<pipeline_id>/<subject>/<run_id>/<batch_id>.jsonl`."""
    return f"{prefix.rstrip('/')}/{pipeline_id}/{fqid.subject}/{run_id}/{batch_id}.jsonl"


class QuarantineWriter:
    """A sink for the validation session; `upload` writes what it received, if anything."""

    def __init__(self, *, fqid: Fqid, pipeline_id: PipelineId, run_id: RunId, object_uri: str) -> None:
        self._fqid = fqid
        self._pipeline_id = pipeline_id
        self._run_id = run_id
        self._object_uri = object_uri
        self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        self.count = 0
        self.first_violations: list[RuleViolation] = []

    def __call__(self, rejected: RejectedRecord) -> None:
        raw = rejected.raw.decode("utf-8", "replace") if rejected.raw is not None else None
        line = QuarantineLine.model_validate(
            {
                "position": rejected.index,
                "class": rejected.record_class.value,
                "record": rejected.record if raw is None else None,
                "raw": raw,
                "reasons": rejected.errors,
                "fqid": self._fqid,
                "pipeline_id": self._pipeline_id,
                "run_id": self._run_id,
                "object_uri": self._object_uri,
                "quarantined_at": datetime.now(UTC),
            }
        )
        self._spool.write(line.model_dump_json(by_alias=True).encode() + b"\n")
        self.count += 1
        if len(self.first_violations) < SAMPLE_VIOLATIONS:
            self.first_violations.extend(rejected.errors[: SAMPLE_VIOLATIONS - len(self.first_violations)])

    def _chunks(self) -> Iterator[bytes]:
        self._spool.seek(0)
        while chunk := self._spool.read(UPLOAD_CHUNK):
            yield chunk

    async def upload(self, store: ObjectStore, uri: str) -> str | None:
        try:
            if not self.count:
                return None
            await store.put_stream(uri, self._chunks())
            return uri
        finally:
            self._spool.close()
