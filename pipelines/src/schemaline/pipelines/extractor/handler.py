"""The Lambda entry point: `schemaline.pipelines.extractor.handler.handler`."""

from __future__ import annotations

from typing import Any

from schemaline.pipelines.extractor import context as lambda_context
from schemaline.pipelines.extractor.core import extract


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Validate, land and announce one batch; the answer says what happened.

    A failure is answered (not raised) once its PipelineFailed is out: a retry of the same
    invalid batch would fail the same way. Only when even that event cannot be published does
    the invocation raise, so that Lambda records the error and retries.
    """
    return lambda_context.loop().run_until_complete(_invoke(event))


async def _invoke(event: Any) -> dict[str, Any]:
    deps, settings = await lambda_context.current()
    try:
        result = await extract(event, deps, settings)
    finally:
        deps.metrics.flush()  # this invocation's metrics (EMF lines) before Lambda freezes the process
    answer: dict[str, Any] = {
        "status": result.status.value,
        "pipeline_id": result.pipeline_id,
        "run_id": result.run_id,
        "event_id": result.event.id,
    }
    if result.landed:
        answer |= {
            "object_uri": result.output_uri,
            "schema_fqid": str(result.schema_fqid),
            "record_count": result.records_out,
        }
    else:
        answer |= {"code": result.code.value if result.code else None, "message": result.message}
    return answer
