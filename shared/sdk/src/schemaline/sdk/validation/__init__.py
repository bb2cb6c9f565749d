"""Validation engine: JSON Schema validation of records and batches, with profile and verdict.

Usable in-process by a Lambda, a Glue job or a service. jsonschema-rs does the checking; python
`jsonschema` is kept as the reference (`reference_validator`) the engine is tested against.

    engine = ValidationEngine()                      # holds a ValidatorCache (LRU by fingerprint)
    result = engine.validate_lines(chunks, schema, policy)        # bytes, or an iterable of chunks
    result = await engine.avalidate_lines(stream, schema, policy) # an async iterable of chunks
    result = engine.validate_records(records, schema, policy)     # already-parsed JSON values
    record_class, errors = engine.validate_record(record, schema)

    session = engine.session(schema, policy, sink=quarantine.write)   # incremental, bounded memory
    session.feed(chunk); ...; result = session.finish()

`schema` is a JSON Schema (dict or bool; `$schema` picks the draft, draft-07 when absent as
in the compatibility engine) or a
`CompiledSchema` from `engine.compile(schema)`. A schema compiles once per fingerprint
(`schemaline.sdk.fingerprint`: SHA-256 of its RFC 8785 canonical JSON, the registry's fingerprint
of the same document); an invalid one raises `SchemaError` naming the JSON Pointer at fault.
Remote `$ref`s are never fetched. `format` is an annotation, as 2020-12 says, unless the cache is
built with `ValidatorCache(validate_formats=True)`.

`BatchResult`:
- `counts`: `valid`, `drift`, `invalid` (their sum is every record: nothing is lost);
- `rejected`: every rejected record (`index`, `line`, `record_class`, `errors` as contract
  `RuleViolation`s (pointer, rule, message), and the parsed `record` or the `raw` line), unless
  a `sink` took them as they were found;
- `profile`: unexpected fields, missing required fields and type changes counted on every
  record (any depth; array items as `*`), and top-level fields with their JSON types counted on a
  sample (`profile.sampled` records: the first 1,000, then one in 100);
- `drift_signals`: the profile's drift as contract `DriftedField`s;
- `verdict`: `pass`, `drift` or `fail` with its `PipeCode`, from the stage's `StagePolicy`.

Classification: a record the schema accepts is *valid*, always. A rejected record is *drift* when
every reason is about shape (`type`, `required`, `additionalProperties`/`unevaluatedProperties`,
extra items, a `false` schema, or an `anyOf`/`oneOf` whose every branch failed on shape) and
*invalid* when any value rule is broken. A line that is not JSON is *invalid* with rule `json`.
A field an open content model lets through without describing it is only a drift signal.

Also here: `validate_envelope` (the extractor's event metadata) and `check_reader_writer`
(runtime compatibility enforcement, PIPE-1103).
"""

from schemaline.sdk.compat.api import SchemaError
from schemaline.sdk.validation.compiled import CompiledSchema, ValidatorCache, compile_schema
from schemaline.sdk.validation.engine import ValidationEngine
from schemaline.sdk.validation.envelope import ENVELOPE_SCHEMA, EnvelopeResult, validate_envelope
from schemaline.sdk.validation.fingerprint import JsonSchema, fingerprint, normalized_json
from schemaline.sdk.validation.reference import reference_validator
from schemaline.sdk.validation.results import (
    BatchProfile,
    BatchResult,
    BatchVerdict,
    Counts,
    FieldSignal,
    FieldStats,
    Outcome,
    RecordClass,
    RejectedRecord,
)
from schemaline.sdk.validation.runtime_compat import IncompatibleSchemaError, check_reader_writer
from schemaline.sdk.validation.session import BatchSession, RejectSink
from schemaline.sdk.validation.verdict import decide

__all__ = [
    "ENVELOPE_SCHEMA",
    "BatchProfile",
    "BatchResult",
    "BatchSession",
    "BatchVerdict",
    "CompiledSchema",
    "Counts",
    "EnvelopeResult",
    "FieldSignal",
    "FieldStats",
    "IncompatibleSchemaError",
    "JsonSchema",
    "Outcome",
    "RecordClass",
    "RejectSink",
    "RejectedRecord",
    "SchemaError",
    "ValidationEngine",
    "ValidatorCache",
    "check_reader_writer",
    "compile_schema",
    "decide",
    "fingerprint",
    "normalized_json",
    "reference_validator",
    "validate_envelope",
]
