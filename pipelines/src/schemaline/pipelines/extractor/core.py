"""The extractor's work, as an async function of the invocation event and the stage's parts.

The event carries an envelope (the metadata `validate_envelope` checks) and the records:

    {"envelope": {"event_id": …, "source": …, "schema_fqid": "finance.extractor.invoice:v1.0",
                  "event_time": …, "ingested_at": …, "run_id": …?},
     "records": [{…}, …]}

(or the same inside an EventBridge event's `detail`). An invalid envelope, or records the stage
policy fails, is PIPE-1002 and nothing lands; a `PipeError` keeps its code (PIPE-1001 when the
registry cannot be reached); any other exception is PIPE-1301, the Lambda invocation error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from opentelemetry import trace

from schemaline.contracts import Check, Component, Layer, PipeCode, PipeError, RuleViolation, RunId, Selector
from schemaline.pipelines import emit, jsonl
from schemaline.pipelines.binding import bind
from schemaline.pipelines.checks import StageFailure, resolve, stop_on_failure
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.extractor.settings import ExtractorSettings
from schemaline.pipelines.layout import new_run_id, output_object
from schemaline.pipelines.results import StageResult, StageStatus
from schemaline.sdk.execution import RunClock
from schemaline.sdk.validation import validate_envelope

COMPONENT = "lambda:extractor"
LAYER = Layer.EXTRACTOR.value
log = logging.getLogger("schemaline.pipelines.extractor")
tracer = trace.get_tracer("schemaline.pipelines")


def _parts(event: Any) -> tuple[Mapping[str, Any], list[Any]]:
    if isinstance(event, Mapping) and isinstance(event.get("detail"), Mapping) and "envelope" not in event:
        event = event["detail"]
    if not isinstance(event, Mapping) or not isinstance(event.get("envelope"), Mapping):
        raise StageFailure(
            PipeCode.VALIDATION_FAILED,
            "the event has no envelope object",
            [RuleViolation(pointer="/envelope", rule="required", message="an object is required")],
        )
    records = event.get("records")
    if not isinstance(records, list):
        raise StageFailure(
            PipeCode.VALIDATION_FAILED,
            "the event has no records array",
            [RuleViolation(pointer="/records", rule="type", message="an array is required")],
        )
    return event["envelope"], records


def _run_id_of(event: Any) -> RunId:
    """The envelope's run id when it carries a usable one, else a new `lr-…`."""
    try:
        given = event.get("detail", event)["envelope"]["run_id"]
    except (AttributeError, KeyError, TypeError):
        given = None
    return RunId(given) if isinstance(given, str) and 0 < len(given) <= 200 else new_run_id("lr")


async def extract(
    event: Any, deps: StageDeps, settings: ExtractorSettings, *, now: datetime | None = None
) -> StageResult:
    """Validate, land and announce one invocation's batch; every outcome emits one event."""
    run_id = _run_id_of(event)
    clock = RunClock()
    with tracer.start_as_current_span(
        f"lambda {settings.pipeline_id}", attributes={"schemaline.run_id": run_id}
    ):
        try:
            return await _land(event, deps, settings, run_id, clock, now)
        except StageFailure as failure:
            return await _failed(
                deps, settings, run_id, clock, failure.code, failure.message, failure.violations
            )
        except PipeError as exc:
            return await _failed(deps, settings, run_id, clock, exc.code, exc.message, ())
        except Exception as exc:
            log.exception("extractor invocation %s failed", run_id)
            message = f"{type(exc).__name__}: {exc}"
            return await _failed(deps, settings, run_id, clock, PipeCode.LAMBDA_INVOCATION_ERROR, message, ())


async def _land(
    event: Any,
    deps: StageDeps,
    settings: ExtractorSettings,
    run_id: RunId,
    clock: RunClock,
    now: datetime | None,
) -> StageResult:
    binding = await bind(
        deps.contracts, settings.pipeline_id, Layer.EXTRACTOR, Component.LAMBDA, settings.schema_fqid
    )
    envelope, records = _parts(event)
    started = time.perf_counter()
    checked = validate_envelope(envelope, declared=settings.schema_fqid, now=now)
    checking_ms = (time.perf_counter() - started) * 1000
    if not checked.valid or checked.fqid is None:
        deps.metrics.validation("fail", checking_ms, component=COMPONENT, layer=LAYER, check="envelope")
        first = checked.errors[0]
        raise StageFailure(
            PipeCode.VALIDATION_FAILED,
            f"envelope at /envelope{first.pointer}: {first.message}",
            [error.model_copy(update={"pointer": f"/envelope{error.pointer}"}) for error in checked.errors],
        )
    with clock.resolving():
        resolved = await resolve(deps.schemas.pin(), Selector.exact(checked.fqid))
    if binding.runs(Check.ON_INVOCATION):
        started = time.perf_counter()
        result = deps.engine.validate_records(records, resolved.schema, binding.policy)
        checking_ms += (time.perf_counter() - started) * 1000
        deps.metrics.validation(
            result.verdict.outcome, checking_ms, component=COMPONENT, layer=LAYER, check="payload"
        )
        stop_on_failure(result, f"payload against {resolved.fqid}", base="/records")
    target = output_object(
        settings.landing_path, run_id, layout=settings.landing_layout, started=clock.started_at
    )
    await deps.objects.put_bytes(target, jsonl.dumps(records))
    landed = await emit.batch_landed(
        deps.publisher,
        pipeline_id=settings.pipeline_id,
        run_id=run_id,
        layer=Layer.EXTRACTOR,
        declared=settings.schema_fqid,
        writer=resolved.fqid,
        object_uri=target,
        record_count=len(records),
        execution=clock.finish(records_in=len(records), records_out=len(records)),
    )
    deps.metrics.run(pipeline_id=settings.pipeline_id, layer=LAYER, component=COMPONENT, failed=False)
    return StageResult(
        pipeline_id=settings.pipeline_id,
        layer=Layer.EXTRACTOR,
        run_id=run_id,
        status=StageStatus.LANDED,
        declared=str(settings.schema_fqid),
        event=landed,
        schema_fqid=resolved.fqid,
        output_uri=target,
        records_in=len(records),
        records_out=len(records),
    )


async def _failed(
    deps: StageDeps,
    settings: ExtractorSettings,
    run_id: RunId,
    clock: RunClock,
    code: PipeCode,
    message: str,
    violations: tuple[RuleViolation, ...],
) -> StageResult:
    event = await emit.pipeline_failed(
        deps.publisher,
        pipeline_id=settings.pipeline_id,
        run_id=run_id,
        layer=Layer.EXTRACTOR,
        code=code,
        message=message,
        component=COMPONENT,
        schema_ref=str(settings.schema_fqid),
        violations=violations,
        execution=clock.finish(),
    )
    deps.metrics.run(pipeline_id=settings.pipeline_id, layer=LAYER, component=COMPONENT, failed=True)
    return StageResult(
        pipeline_id=settings.pipeline_id,
        layer=Layer.EXTRACTOR,
        run_id=run_id,
        status=StageStatus.FAILED,
        declared=str(settings.schema_fqid),
        event=event,
        code=code,
        message=message,
    )
