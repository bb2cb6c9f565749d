"""An operator's re-run of a stage run under another schema version: what lineage knows of the run
(its pipeline, layer, schema and inputs) becomes a `RunRerunRequested` for the job launcher."""

from __future__ import annotations

import uuid

from schemaline.contracts import FqidError, Layer, PipelineId, RunId, RunRerunRequested, Selector
from schemaline.lineage_writer.queries import run_trace
from schemaline.lineage_writer.store import LineageReader
from schemaline.runtime.http.errors import InvalidRequestError, NotFoundError


async def plan_rerun(
    reader: LineageReader, run_id: str, fqid: str, *, requested_by: str
) -> RunRerunRequested:
    """The request to publish; 404 for a run lineage never saw, 422 for one that cannot be re-run so."""
    try:
        selector = Selector.parse(fqid)
    except FqidError as exc:
        raise InvalidRequestError(str(exc), pointer="/fqid") from None
    trace = await run_trace(reader, run_id)
    if trace is None:
        raise NotFoundError(f"no lineage recorded for run {run_id}")
    run = trace.run
    if run.pipeline_id is None or run.layer is None:
        raise InvalidRequestError(f"run {run_id} is not a stage run (no pipeline or layer recorded)")
    if not trace.inputs:
        raise InvalidRequestError(
            f"run {run_id} read no dataset lineage knows of ({run.pipeline_id}): re-invoke its source instead"
        )
    if run.schema_fqid is not None and Selector.parse(run.schema_fqid).subject != selector.subject:
        raise InvalidRequestError(
            f"run {run_id} wrote {run.schema_fqid}: a re-run stays on its subject, not {selector.subject}",
            pointer="/fqid",
        )
    return RunRerunRequested(
        original_run_id=RunId(run_id),
        rerun_id=RunId(f"jr-{uuid.uuid4().hex[:10]}"),
        pipeline_id=PipelineId(run.pipeline_id),
        layer=Layer(run.layer),
        schema_fqid=selector,
        inputs=tuple(trace.inputs),
        requested_by=requested_by,
    )
