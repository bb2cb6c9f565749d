"""What every Glue job does: pin its schemas, check its input, transform, check its output, land it.

Pre-job validation checks the input against the schema the previous stage wrote under
(`--input-schema-fqid`; the job's own schema when absent). Records it rejects were quarantined by
the validator at the previous stage, so the job leaves them out (and counts them); too many
invalid ones fail the run. Post-transform validation checks the output against the schema the
job writes (`--schema-fqid`): a failing verdict stops the run before anything lands (a
`PipelineFailed` with the verdict's PIPE code); drifted records still land, so that the validator
quarantines them at this stage and raises `SchemaDriftDetected` — the job does not own quarantine.
So each rejected record is quarantined once, at the first stage whose schema rejects it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from opentelemetry import trace

from schemaline.contracts import Layer, OnDrift, PipeCode
from schemaline.pipelines import emit, jsonl
from schemaline.pipelines.checks import StageFailure, resolve, stop_on_failure
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.layout import output_object
from schemaline.pipelines.ports import Resolved
from schemaline.pipelines.results import StageResult, StageStatus
from schemaline.sdk.validation import Outcome

log = logging.getLogger("schemaline.pipelines")
tracer = trace.get_tracer("schemaline.pipelines")

Transform = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A job kind: its layer, its name in `PipelineFailed.component`, and what it does to records."""

    layer: Layer
    component: str
    transform: Transform


@dataclass(frozen=True, slots=True)
class _Output:
    data: bytes
    records_in: int
    records_out: int
    skipped: int


async def run_stage(args: JobArgs, deps: StageDeps, spec: StageSpec) -> StageResult:
    """One job run: a `StageResult` whose `event` is the BatchLanded or PipelineFailed it emitted.

    Errors outside the catalogue (a bug, a store that is down) propagate: Glue marks the run failed.
    """
    with tracer.start_as_current_span(
        f"glue {args.pipeline_id}",
        attributes={"schemaline.run_id": args.run_id, "schemaline.layer": spec.layer.value},
    ):
        pins = deps.schemas.pin()
        resolved: Resolved | None = None
        try:
            resolved = await resolve(pins, args.schema_fqid)
            reads = await resolve(pins, args.input_schema_fqid) if args.input_schema_fqid else resolved
            output = await _produce(args, deps, spec, resolved, reads)
        except StageFailure as failure:
            log.warning("%s run %s failed: %s", args.pipeline_id, args.run_id, failure)
            failed = await emit.pipeline_failed(
                deps.publisher,
                pipeline_id=args.pipeline_id,
                run_id=args.run_id,
                layer=spec.layer,
                code=failure.code,
                message=failure.message,
                component=spec.component,
                schema_ref=str(args.schema_fqid),
                object_uri=args.input_path,
                violations=failure.violations,
            )
            return StageResult(
                pipeline_id=args.pipeline_id,
                layer=spec.layer,
                run_id=args.run_id,
                status=StageStatus.FAILED,
                declared=str(args.schema_fqid),
                event=failed,
                schema_fqid=resolved.fqid if resolved is not None else None,
                input_uri=args.input_path,
                code=failure.code,
                message=failure.message,
            )
        target = output_object(args.output_path, args.run_id)
        await deps.objects.put_bytes(target, output.data)
        event = await emit.batch_landed(
            deps.publisher,
            pipeline_id=args.pipeline_id,
            run_id=args.run_id,
            layer=spec.layer,
            declared=args.schema_fqid,
            writer=resolved.fqid,
            object_uri=target,
            record_count=output.records_out,
            inputs=(args.input_path,),
        )
        return StageResult(
            pipeline_id=args.pipeline_id,
            layer=spec.layer,
            run_id=args.run_id,
            status=StageStatus.LANDED,
            declared=str(args.schema_fqid),
            event=event,
            schema_fqid=resolved.fqid,
            input_uri=args.input_path,
            output_uri=target,
            records_in=output.records_in,
            records_out=output.records_out,
            skipped=output.skipped,
        )


async def _produce(
    args: JobArgs, deps: StageDeps, spec: StageSpec, writes: Resolved, reads: Resolved
) -> _Output:
    try:
        data = await deps.objects.get_bytes(args.input_path)
    except LookupError:
        raise StageFailure(
            PipeCode.VALIDATION_FAILED, f"input object {args.input_path} does not exist"
        ) from None
    policy = deps.policy(args.pipeline_id)
    # Drifted input was quarantined upstream; the contract's on_drift speaks of this stage's output.
    pre_policy = policy.model_copy(update={"on_drift": OnDrift.QUARANTINE})
    pre = deps.engine.validate_lines(data, reads.schema, pre_policy)
    stop_on_failure(pre, f"pre-job validation of {args.input_path} against {reads.fqid}")
    lines = [line for line in data.split(b"\n") if line.strip()]
    rejected = {record.index for record in pre.rejected}
    records = [orjson.loads(line) for index, line in enumerate(lines) if index not in rejected]
    produced = spec.transform(records)
    post = deps.engine.validate_records(produced, writes.schema, policy)
    stop_on_failure(post, f"post-transform validation against {writes.fqid}")
    if post.verdict.outcome is Outcome.DRIFT:
        # Landed as they are: the validator quarantines them and raises the drift.
        log.warning("%s run %s: %s", args.pipeline_id, args.run_id, post.verdict.reason)
    return _Output(jsonl.dumps(produced), len(lines), len(produced), len(rejected))
