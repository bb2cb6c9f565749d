"""What every Glue job does: pin its schemas, check its input, transform, check its output, land it.

Pre-job validation checks the input against the schema the previous stage wrote under
(`--input-schema-fqid`; the job's own schema when absent). Records it rejects were quarantined by
the validator at the previous stage, so the job leaves them out: it writes them, with their
reasons, to the run's own quarantine (`<run folder>/_quarantine/part-NNNNN.jsonl`, one object per
partition that left any out) so that the run reconciles on its own, and too many invalid ones fail
the run. Post-transform validation checks the output against the schema the job writes
(`--schema-fqid`): a failing verdict stops the run before anything lands (a `PipelineFailed` with
the verdict's PIPE code); drifted records still land, so that the validator quarantines them at
this stage and raises `SchemaDriftDetected`. So each rejected record enters the warehouse
quarantine once, at the first stage whose schema rejects it.

The records go through `PartitionRun`s, on whichever runner `deps.runner` is: this process
(streaming the object) or Spark. Before the batch is announced, the counts must reconcile:
per partition and in total, input = left out + passed on, and what was uploaded is what the
partitions wrote.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace

from schemaline.contracts import Check, Component, Layer, PipeCode, StagePolicy
from schemaline.pipelines import emit, jsonl
from schemaline.pipelines.binding import Binding, bind
from schemaline.pipelines.checks import StageFailure, resolve, stop_on_failure
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.glue.partition import Checked, PartitionPlan
from schemaline.pipelines.glue.reconcile import Totals, check_landed, failure
from schemaline.pipelines.glue.staging import StagedParts
from schemaline.pipelines.glue.transforms import FoldStage, StageTransform
from schemaline.pipelines.layout import output_object, quarantine_prefix
from schemaline.pipelines.ports import Resolved
from schemaline.pipelines.results import StageResult, StageStatus
from schemaline.sdk.execution import RunClock
from schemaline.sdk.validation import Outcome, decide

log = logging.getLogger("schemaline.pipelines")
tracer = trace.get_tracer("schemaline.pipelines")


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A job kind: its layer, its name in `PipelineFailed.component`, and what it does to records.

    `sample` is an input record the transform accepts: the build-time check runs the transform on it
    and checks what it builds against the stage's schema before any data is read."""

    layer: Layer
    component: str
    transform: StageTransform
    sample: Any = None


@dataclass(frozen=True, slots=True)
class _Output:
    records_in: int
    records_out: int
    skipped: int
    quarantined: int  # output records the stage's own check rejected: landed, for the validator


async def run_stage(args: JobArgs, deps: StageDeps, spec: StageSpec) -> StageResult:
    """One job run: a `StageResult` whose `event` is the BatchLanded or PipelineFailed it emitted.

    The run binds to its contract first (PIPE-1104 when the declared FQID is outside it), before any
    data is read. An error outside the catalogue (a bug, a store that is down) still emits
    `PipelineFailed` PIPE-1302, then propagates: Glue marks the run failed, with the traceback.
    """
    with tracer.start_as_current_span(
        f"glue {args.pipeline_id}",
        attributes={"schemaline.run_id": args.run_id, "schemaline.layer": spec.layer.value},
    ):
        clock = RunClock()
        resolved: Resolved | None = None
        try:
            binding = await bind(
                deps.contracts, args.pipeline_id, spec.layer, Component.GLUE, args.schema_fqid
            )
            pins = deps.schemas.pin()
            with clock.resolving():
                resolved = await resolve(pins, args.schema_fqid)
                reads = await resolve(pins, args.input_schema_fqid) if args.input_schema_fqid else resolved
            if binding.runs(Check.BUILD_TIME):
                build_time_check(deps, spec, resolved)
            target = output_object(
                args.output_path, args.run_id, layout=args.output_layout, started=clock.started_at
            )
            output = await _produce(args, deps, spec, binding, resolved, reads, target)
        except StageFailure as failure:
            log.warning("%s run %s failed: %s", args.pipeline_id, args.run_id, failure)
            return await _failed(args, deps, spec, clock, resolved, failure.code, failure.message, failure)
        except Exception as exc:
            log.exception("%s run %s crashed", args.pipeline_id, args.run_id)
            message = f"{type(exc).__name__}: {exc}"
            await _failed(args, deps, spec, clock, resolved, PipeCode.JOB_ERROR, message, None)
            raise
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
            rerun_of=args.rerun_of,
            execution=clock.finish(
                records_in=output.records_in,
                records_out=output.records_out,
                quarantined=output.quarantined,
                skipped=output.skipped,
            ),
        )
        _record_run(args, deps, spec, failed=False)
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


async def _failed(
    args: JobArgs,
    deps: StageDeps,
    spec: StageSpec,
    clock: RunClock,
    resolved: Resolved | None,
    code: PipeCode,
    message: str,
    failure: StageFailure | None,
) -> StageResult:
    _record_run(args, deps, spec, failed=True)
    failed = await emit.pipeline_failed(
        deps.publisher,
        pipeline_id=args.pipeline_id,
        run_id=args.run_id,
        layer=spec.layer,
        code=code,
        message=message,
        component=spec.component,
        schema_ref=str(args.schema_fqid),
        violations=failure.violations if failure is not None else (),
        inputs=(args.input_path,),
        execution=clock.finish(),
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
        code=code,
        message=message,
    )


def build_time_check(deps: StageDeps, spec: StageSpec, writes: Resolved) -> None:
    """What the job builds, from its sample record, must conform to the schema it writes under:
    otherwise the run is blocked (PIPE-1103) before any record is read."""
    if spec.sample is None:
        return
    built = spec.transform([spec.sample])
    result = deps.engine.validate_records(built, writes.schema, StagePolicy())
    if result.rejected:
        violations = [error for record in result.rejected for error in record.errors]
        first = violations[0]
        raise StageFailure(
            PipeCode.INCOMPATIBLE_SCHEMA,
            f"build-time check: what {spec.component} builds does not conform to {writes.fqid} "
            f"(at {first.pointer or '/'}: {first.message})",
            violations,
        )


async def _produce(
    args: JobArgs,
    deps: StageDeps,
    spec: StageSpec,
    binding: Binding,
    writes: Resolved,
    reads: Resolved,
    target: str,
) -> _Output:
    policy = binding.policy
    plan = PartitionPlan(
        pipeline_id=args.pipeline_id,
        run_id=args.run_id,
        source_uri=args.input_path,
        reads=Checked(str(reads.fqid), reads.schema, policy),
        writes=Checked(str(writes.fqid), writes.schema, policy),
        transform=spec.transform,
        post_check=binding.runs(Check.POST_TRANSFORM),
    )
    try:
        staged = await deps.runner.run(plan, args.input_path, deps.objects)
    except LookupError:
        raise StageFailure(
            PipeCode.VALIDATION_FAILED, f"input object {args.input_path} does not exist"
        ) from None
    try:
        return await _land(args, deps, spec, binding, plan, staged, target)
    finally:
        staged.discard()


def _record_run(args: JobArgs, deps: StageDeps, spec: StageSpec, *, failed: bool) -> None:
    deps.metrics.run(
        pipeline_id=args.pipeline_id, layer=spec.layer.value, component=spec.component, failed=failed
    )


async def _land(
    args: JobArgs,
    deps: StageDeps,
    spec: StageSpec,
    binding: Binding,
    plan: PartitionPlan,
    staged: StagedParts,
    target: str,
) -> _Output:
    """Records the input schema rejects are always left out (they were quarantined upstream); the
    checks the binding makes decide whether the run may land."""
    totals = Totals.of(staged.stats)
    pre = decide(totals.pre, plan.pre_policy)
    checked = {"component": spec.component, "layer": spec.layer.value}
    if binding.runs(Check.PRE_JOB):
        deps.metrics.validation(pre.outcome, totals.pre_ms, check="pre", **checked)
    if pre.outcome is Outcome.FAIL and binding.runs(Check.PRE_JOB):
        raise failure(
            pre, f"pre-job validation of {args.input_path} against {plan.reads.fqid}", totals.pre_errors
        )
    rows: bytes | None = None
    records_out = totals.records_out
    post = decide(totals.post, plan.writes.policy)
    rejected_out = totals.post.drift + totals.post.invalid
    if isinstance(plan.transform, FoldStage):
        produced = plan.transform.rows([stats.partial for stats in staged.stats])
        if binding.runs(Check.PUBLISH):
            started = time.perf_counter()
            post_result = deps.engine.validate_records(produced, plan.writes.schema, plan.writes.policy)
            post_ms = (time.perf_counter() - started) * 1000
            deps.metrics.validation(post_result.verdict.outcome, post_ms, check="publish", **checked)
            stop_on_failure(post_result, f"publish validation against {plan.writes.fqid}")
            post = post_result.verdict
            rejected_out = len(post_result.rejected)
        rows, records_out = jsonl.dumps(produced), len(produced)
    else:
        if plan.post_check:
            deps.metrics.validation(post.outcome, totals.post_ms, check="post", **checked)
        if post.outcome is Outcome.FAIL:
            raise failure(post, f"post-transform validation against {plan.writes.fqid}", totals.post_errors)
    if post.outcome is Outcome.DRIFT:
        # Landed as they are: the validator quarantines them and raises the drift.
        log.warning("%s run %s: %s", args.pipeline_id, args.run_id, post.reason)
    landed = await staged.land(deps.objects, target, quarantine_prefix(target), rows)
    check_landed(totals, landed, records_out)
    return _Output(totals.records_in, records_out, totals.quarantined, rejected_out)
