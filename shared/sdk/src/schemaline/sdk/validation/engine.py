"""The validation engine's front door: validate one record, records, or JSON Lines, sync or async."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from schemaline.contracts import RuleViolation, StagePolicy
from schemaline.sdk.validation.compiled import CompiledSchema, ValidatorCache
from schemaline.sdk.validation.fingerprint import JsonSchema
from schemaline.sdk.validation.results import BatchResult, RecordClass
from schemaline.sdk.validation.rules import translate
from schemaline.sdk.validation.session import BatchSession, RejectSink

CHUNK_SIZE = 1 << 20
Chunks = bytes | bytearray | memoryview | Iterable[bytes]
SchemaLike = JsonSchema | CompiledSchema


def _chunks_of(data: Chunks) -> Iterable[bytes]:
    if isinstance(data, bytes | bytearray | memoryview):
        view = memoryview(data)
        # Slices of ~1 MiB: splitting a whole batch at once would hold all its lines together.
        return (bytes(view[start : start + CHUNK_SIZE]) for start in range(0, len(view), CHUNK_SIZE))
    return data


class ValidationEngine:
    """Validates records against JSON Schemas with compiled validators cached by fingerprint.

    `pause_gc` pauses the cyclic garbage collector while each chunk is checked (see `BatchSession`).
    """

    def __init__(self, cache: ValidatorCache | None = None, *, pause_gc: bool = True) -> None:
        self.cache = cache if cache is not None else ValidatorCache()
        self.pause_gc = pause_gc

    def compile(self, schema: SchemaLike) -> CompiledSchema:
        """The compiled schema (from the cache when this fingerprint was seen); `SchemaError` if invalid."""
        return self.cache.get(schema)

    def session(
        self, schema: SchemaLike, policy: StagePolicy | None = None, *, sink: RejectSink | None = None
    ) -> BatchSession:
        """A batch to feed incrementally (`feed(chunk)`, `feed_records(records)`, then `finish()`)."""
        return BatchSession(self.compile(schema), policy or StagePolicy(), sink=sink, pause_gc=self.pause_gc)

    def validate_record(
        self, record: Any, schema: SchemaLike
    ) -> tuple[RecordClass, tuple[RuleViolation, ...]]:
        """One record's class and every error it has."""
        compiled = self.compile(schema)
        if compiled.validator.is_valid(record):
            return RecordClass.VALID, ()
        violations = [v for error in compiled.validator.iter_errors(record) for v in translate(error)]
        record_class = RecordClass.DRIFT if all(v.shape for v in violations) else RecordClass.INVALID
        return record_class, tuple(
            RuleViolation(pointer=v.pointer, rule=v.rule, message=v.message) for v in violations
        )

    def validate_records(
        self,
        records: Iterable[Any],
        schema: SchemaLike,
        policy: StagePolicy | None = None,
        *,
        sink: RejectSink | None = None,
    ) -> BatchResult:
        session = self.session(schema, policy, sink=sink)
        session.feed_records(records)
        return session.finish()

    def validate_lines(
        self,
        chunks: Chunks,
        schema: SchemaLike,
        policy: StagePolicy | None = None,
        *,
        sink: RejectSink | None = None,
    ) -> BatchResult:
        """Validate JSON Lines given as bytes or as an iterable of chunks (split anywhere)."""
        session = self.session(schema, policy, sink=sink)
        for chunk in _chunks_of(chunks):
            session.feed(chunk)
        return session.finish()

    async def avalidate_lines(
        self,
        chunks: AsyncIterable[bytes] | Chunks,
        schema: SchemaLike,
        policy: StagePolicy | None = None,
        *,
        sink: RejectSink | None = None,
    ) -> BatchResult:
        """`validate_lines` for an async stream (e.g. an S3 object read in chunks).

        Each chunk is validated inline; with ~1 MiB chunks that holds the event loop a few
        milliseconds at a time.
        """
        if not isinstance(chunks, AsyncIterable):
            return self.validate_lines(chunks, schema, policy, sink=sink)
        session = self.session(schema, policy, sink=sink)
        async for chunk in chunks:
            session.feed(chunk)
        return session.finish()
