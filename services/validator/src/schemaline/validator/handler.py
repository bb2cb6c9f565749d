"""The validator's one handler: a landed batch in, exactly one verdict out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from schemaline.contracts import (
    BatchLanded,
    Envelope,
    EventDetail,
    PipeCode,
    PipeError,
    SchemaPublished,
    StagePolicy,
)
from schemaline.runtime.bus import Publisher
from schemaline.runtime.bus.failures import Failure, classify
from schemaline.runtime.handling import Emitter, Handlers
from schemaline.runtime.objectstore import ObjectNotFound, ObjectStore, ObjectStoreError
from schemaline.sdk.contract_check import outside_contract
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.validation import (
    IncompatibleSchemaError,
    Outcome,
    ValidationEngine,
    check_reader_writer,
)
from schemaline.validator.ports import SchemaCatalog
from schemaline.validator.quarantine import QuarantineWriter, quarantine_uri
from schemaline.validator.verdicts import failed, verdict_event

SERVICE = "validator"
log = structlog.get_logger("schemaline.validator")


@dataclass
class Deps:
    catalog: SchemaCatalog
    objects: ObjectStore
    quarantine_prefix: str
    metrics: PipelineMetrics
    publisher: Publisher
    engine: ValidationEngine = field(default_factory=ValidationEngine)


class LostRecordsError(AssertionError):
    """valid + quarantined ≠ input: a bug, never a verdict."""


async def on_batch_landed(envelope: Envelope[BatchLanded], deps: Deps, out: Emitter) -> None:
    landed = envelope.detail
    if landed.declared_fqid is None:
        # Governance answers an undeclared schema (a violation it records); nothing to validate.
        log.warning("batch declares no schema FQID; left to governance")
        return
    started = time.perf_counter()
    verdict = await _validate(envelope, deps)
    elapsed_ms = (time.perf_counter() - started) * 1000
    outcome = _outcome_of(verdict)
    deps.metrics.validation(outcome, elapsed_ms, component=SERVICE, layer=landed.layer.value, check="batch")
    log.info("batch verdict", verdict=verdict.DETAIL_TYPE, outcome=outcome, ms=round(elapsed_ms, 2))
    out.emit(verdict, "verdict")


def _outcome_of(verdict: EventDetail) -> str:
    return {"SchemaValidated": "pass", "SchemaDriftDetected": "drift"}.get(verdict.DETAIL_TYPE, "fail")


async def _validate(envelope: Envelope[BatchLanded], deps: Deps) -> EventDetail:
    landed = envelope.detail
    assert landed.declared_fqid is not None
    try:
        contract = await deps.catalog.contract(landed.pipeline_id, landed.layer)
        policy = contract.policy if contract is not None else StagePolicy()
        # A drift case's re-run checks quarantined records against the covering version the case
        # names, which the stage's contract may not admit yet: it is not the stage declaring.
        rerun = landed.drift_case_id is not None
        if contract is not None and not rerun and not contract.admits(landed.declared_fqid):
            # A contract just changed may still be cached: ask the registry before refusing.
            contract = await deps.catalog.contract(landed.pipeline_id, landed.layer, fresh=True)
        if contract is not None and not rerun and not contract.admits(landed.declared_fqid):
            message = outside_contract(landed.declared_fqid, contract)
            log.error("declared schema outside the contract", pipe_code=PipeCode.OUTSIDE_CONTRACT.value)
            return failed(landed, PipeCode.OUTSIDE_CONTRACT, message)
        resolved = await deps.catalog.resolve(landed.declared_fqid, landed.run_id)
        if landed.writer_fqid is not None and landed.writer_fqid != resolved.fqid:
            writer = await deps.catalog.fetch(landed.writer_fqid)
            check_reader_writer(
                resolved.schema, writer.schema, reader_fqid=resolved.fqid, writer_fqid=writer.fqid
            )
    except IncompatibleSchemaError as exc:
        log.error("incompatible reader and writer", pipe_code=PipeCode.INCOMPATIBLE_SCHEMA.value)
        return failed(landed, PipeCode.INCOMPATIBLE_SCHEMA, str(exc), compat=exc.verdict)
    except PipeError as exc:
        log.error("schema resolution failed", **exc.log_fields())
        return failed(landed, exc.code, exc.message)
    except LookupError as exc:
        return failed(landed, PipeCode.VALIDATION_FAILED, f"no schema for {landed.declared_fqid}: {exc}")

    sink = QuarantineWriter(
        fqid=resolved.fqid,
        pipeline_id=landed.pipeline_id,
        run_id=landed.run_id,
        object_uri=landed.object_uri,
    )
    session = deps.engine.session(resolved.schema, policy, sink=sink)
    try:
        async with await deps.objects.open(landed.object_uri) as reader:
            async for chunk in reader:
                session.feed(chunk)
    except ObjectNotFound:
        return failed(landed, PipeCode.VALIDATION_FAILED, f"batch object {landed.object_uri} does not exist")
    except ObjectStoreError as exc:
        if classify(exc) is Failure.TRANSIENT:
            raise  # the store is down or throttling: the consumer retries for minutes, then dead-letters
        return failed(landed, PipeCode.VALIDATION_FAILED, f"batch object {exc}")
    result = session.finish()
    if result.counts.valid + sink.count != result.counts.total:
        raise LostRecordsError(
            f"{result.counts.total} records read, {result.counts.valid} valid, {sink.count} quarantined"
        )
    target = quarantine_uri(
        deps.quarantine_prefix, landed.pipeline_id, resolved.fqid, landed.run_id, envelope.id
    )
    written = await sink.upload(deps.objects, target)
    if result.verdict.outcome is Outcome.FAIL and result.verdict.code is None:
        return failed(landed, PipeCode.VALIDATION_FAILED, result.verdict.reason)
    return verdict_event(landed, resolved.fqid, result, written, sink.first_violations)


async def announce_dead_letter(envelope: Envelope[Any], deps: Deps, reason: str) -> None:
    """PIPE-1501 as the run's verdict: a batch the validator gave up on is not left without one.

    Its id is not the verdict's, so a redrive that validates the batch after all still sends the
    real verdict (which lineage then shows, being the later one).
    """
    landed = envelope.detail
    if not isinstance(landed, BatchLanded):
        return
    verdict = failed(
        landed,
        PipeCode.EVENT_DEAD_LETTERED,
        f"batch not validated: {reason}; the BatchLanded event is in the {SERVICE} dead-letter queue",
    )
    out = Emitter(envelope, SERVICE)
    out.emit(verdict, "dead-lettered")
    await deps.publisher.publish_many(out.emitted)


async def on_published(envelope: Envelope[SchemaPublished], deps: Deps, _out: Emitter) -> None:
    await deps.catalog.on_published(envelope)


HANDLERS = Handlers[Deps]()
HANDLERS.on(BatchLanded, on_batch_landed)
HANDLERS.on(SchemaPublished, on_published)
HANDLERS.on_dead_letter(announce_dead_letter)
