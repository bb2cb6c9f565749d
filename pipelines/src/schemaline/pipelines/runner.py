"""The local runner: extractor → raw → gdp → kpi for one source batch, on the parts it is given.

    result = await run_chain(extractor_event(example_a()), deps)                # back to back
    result = await run_chain(event, deps, await_verdict=wait_for_verdict)      # as in production

In production each Glue stage is triggered once the previous stage's batch has been validated.
The runner does that when the caller passes `await_verdict`: after each stage lands, it awaits
`await_verdict(batch_landed_envelope)`, which returns the validator's verdict for that batch (the
event whose `detail.meta.causation_id` is the BatchLanded's `id`), or None when the caller has
none to give. A `PipelineFailed` verdict stops the chain; `SchemaValidated` and
`SchemaDriftDetected` let it go on (drifted records are in quarantine, and the next stage's
pre-job check leaves them out). Without the hook, stages run back to back.

A stage that fails its own checks emits `PipelineFailed` and the chain stops there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry import trace

from schemaline.contracts import BatchLanded, Envelope, Layer, PipelineFailed, PipelineId, RunId, Selector
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.extractor.core import extract
from schemaline.pipelines.extractor.settings import ExtractorSettings
from schemaline.pipelines.glue import gdp, kpi, raw
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.jobdefs import SCHEMA_ARG, load_folder
from schemaline.pipelines.layout import DEFAULT_LAYOUT, new_run_id
from schemaline.pipelines.results import StageResult
from schemaline.pipelines.seed import jobs_dir

VerdictHook = Callable[[Envelope[BatchLanded]], Awaitable[Envelope[Any] | None]]
tracer = trace.get_tracer("schemaline.pipelines")


@dataclass(frozen=True, slots=True)
class JobTemplate:
    """A Glue job's definition as the runner uses it: everything but the input and the run id."""

    pipeline_id: PipelineId
    schema_fqid: Selector
    output_path: str
    input_schema_fqid: Selector | None = None
    output_layout: str = DEFAULT_LAYOUT

    @classmethod
    def from_arguments(cls, name: str, arguments: Mapping[str, Any]) -> JobTemplate:
        input_schema = arguments.get("--input-schema-fqid")
        return cls(
            pipeline_id=PipelineId(arguments.get("--pipeline-id", name)),
            schema_fqid=Selector.parse(arguments[SCHEMA_ARG]),
            output_path=arguments["--output-path"],
            input_schema_fqid=Selector.parse(input_schema) if input_schema else None,
            output_layout=arguments.get("--output-layout", DEFAULT_LAYOUT),
        )

    def args(self, input_path: str, run_id: RunId) -> JobArgs:
        return JobArgs(
            schema_fqid=self.schema_fqid,
            input_schema_fqid=self.input_schema_fqid,
            input_path=input_path,
            output_path=self.output_path,
            output_layout=self.output_layout,
            run_id=run_id,
            pipeline_id=self.pipeline_id,
        )


@dataclass(frozen=True, slots=True)
class ChainConfig:
    extractor: ExtractorSettings
    raw: JobTemplate
    gdp: JobTemplate
    kpi: JobTemplate

    @classmethod
    def from_definitions(cls, folder: Path | None = None) -> ChainConfig:
        """The chain as `pipelines/jobs/*.json` defines it (the extractor with its default settings)."""
        jobs = load_folder(folder or jobs_dir())

        def template(name: str) -> JobTemplate:
            return JobTemplate.from_arguments(name, jobs[name].arguments)

        return cls(
            extractor=ExtractorSettings(),
            raw=template(raw.PIPELINE_ID),
            gdp=template(gdp.PIPELINE_ID),
            kpi=template(kpi.PIPELINE_ID),
        )


@dataclass(frozen=True, slots=True)
class ChainResult:
    """The stages that ran, in order; the chain stopped after the last one unless `completed`."""

    stages: tuple[StageResult, ...]

    @property
    def completed(self) -> bool:
        return len(self.stages) == 4 and all(
            stage.landed and not _is_failure(stage.verdict) for stage in self.stages
        )

    def stage(self, layer: Layer) -> StageResult:
        for stage in self.stages:
            if stage.layer is layer:
                return stage
        raise KeyError(f"the {layer.value} stage did not run")

    @property
    def run_ids(self) -> dict[Layer, RunId]:
        return {stage.layer: stage.run_id for stage in self.stages}


def _is_failure(verdict: Envelope[Any] | None) -> bool:
    return verdict is not None and verdict.detail_type == PipelineFailed.DETAIL_TYPE


async def run_chain(
    event: Mapping[str, Any],
    deps: StageDeps,
    *,
    config: ChainConfig | None = None,
    await_verdict: VerdictHook | None = None,
) -> ChainResult:
    """Run the chain for one extractor invocation event (see `source.extractor_event`)."""
    config = config or ChainConfig.from_definitions()
    done: list[StageResult] = []
    with tracer.start_as_current_span("pipeline chain"):
        result = await _settle(await extract(event, deps, config.extractor), await_verdict)
        done.append(result)
        for template, job in ((config.raw, raw), (config.gdp, gdp), (config.kpi, kpi)):
            if not result.landed or _is_failure(result.verdict):
                break
            assert result.output_uri is not None
            args = template.args(result.output_uri, new_run_id())
            result = await _settle(await job.run(args, deps), await_verdict)
            done.append(result)
    return ChainResult(tuple(done))


async def _settle(result: StageResult, await_verdict: VerdictHook | None) -> StageResult:
    if await_verdict is None or not result.landed:
        return result
    verdict = await await_verdict(result.event)
    return dataclasses.replace(result, verdict=verdict)
