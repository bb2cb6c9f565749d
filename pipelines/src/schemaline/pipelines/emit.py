"""The events a stage emits: BatchLanded for its output, PipelineFailed (with its PIPE code) otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemaline.contracts import (
    BatchLanded,
    Envelope,
    Fqid,
    Layer,
    PipeCode,
    PipelineFailed,
    PipelineId,
    RuleViolation,
    RunExecution,
    RunId,
    Selector,
    new_envelope,
)
from schemaline.pipelines.ports import Publisher

MAX_VIOLATIONS = 20


def source_of(pipeline_id: PipelineId) -> str:
    return f"schemaline.pipelines.{pipeline_id}"


async def batch_landed(
    publisher: Publisher,
    *,
    pipeline_id: PipelineId,
    run_id: RunId,
    layer: Layer,
    declared: Selector,
    writer: Fqid,
    object_uri: str,
    record_count: int,
    inputs: Sequence[str] = (),
    execution: RunExecution | None = None,
    rerun_of: RunId | None = None,
) -> Envelope[BatchLanded]:
    """Announce the batch; `writer` is the exact version the stage pinned and wrote under.

    `inputs` are the objects the stage read (`BatchLanded.inputs`, and the envelope's `resources`):
    the lineage writer links them as the run's inputs, so a dataset's upstream reaches the landing
    object.
    """
    detail = BatchLanded(
        pipeline_id=pipeline_id,
        run_id=run_id,
        layer=layer,
        declared_fqid=declared,
        writer_fqid=writer,
        object_uri=object_uri,
        record_count=record_count,
        inputs=tuple(inputs),
        execution=execution,
        rerun_of=rerun_of,
    )
    envelope = new_envelope(detail, source=source_of(pipeline_id), resources=(object_uri, *inputs))
    await publisher.publish(envelope)
    return envelope


async def pipeline_failed(
    publisher: Publisher,
    *,
    pipeline_id: PipelineId,
    run_id: RunId,
    layer: Layer,
    code: PipeCode,
    message: str,
    component: str,
    schema_ref: str | None = None,
    object_uri: str | None = None,
    violations: Sequence[RuleViolation] = (),
    inputs: Sequence[str] = (),
    execution: RunExecution | None = None,
) -> Envelope[PipelineFailed]:
    """`object_uri` is the batch the failure is about (none when the run wrote nothing); `inputs`
    what the run read, which lineage records as its inputs, never as an output."""
    detail = PipelineFailed(
        pipeline_id=pipeline_id,
        run_id=run_id,
        layer=layer,
        code=code,
        message=message,
        component=component,
        schema_ref=schema_ref,
        object_uri=object_uri,
        violations=tuple(violations[:MAX_VIOLATIONS]),
        inputs=tuple(inputs),
        execution=execution,
    )
    resources = ((object_uri,) if object_uri else ()) + tuple(inputs)
    envelope: Envelope[Any] = new_envelope(detail, source=source_of(pipeline_id), resources=resources)
    await publisher.publish(envelope)
    return envelope
