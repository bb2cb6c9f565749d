"""One trace per run: the registry fetches a run causes (its stages' and the validator's) are spans
of that run's trace, because every SDK request carries `traceparent` and every service app
continues it; so are the statements the services run for it, as client spans of their handlers'
and requests' spans."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from schemaline.cli.scenarios import run_example_a, seed_registry
from schemaline.cli.stack import embedded_stack
from schemaline.runtime.telemetry import setup_tracing
from tests.support.tracing import global_tracer_provider

FETCH = "GET /api/v1/schema/fetch"


def _noop(_text: str) -> None:
    return None


async def test_registry_fetches_inside_a_run_belong_to_the_runs_trace(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = setup_tracing("e2e", None)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with global_tracer_provider(provider):
        async with embedded_stack(tmp_path) as stack:
            await seed_registry(stack, _noop)
            await stack.settle()
            exporter.clear()
            await run_example_a(stack, _noop)
            await stack.settle()
        spans = exporter.get_finished_spans()
    [chain] = [span for span in spans if span.name == "pipeline chain"]
    run_trace = chain.context.trace_id
    fetches = [span for span in spans if span.name == FETCH]
    assert fetches, "the run fetched schemas from the registry"
    assert {span.context.trace_id for span in fetches} == {run_trace}
    assert all(span.parent is not None for span in fetches), "each continues its caller's span"
    by_id = {span.context.span_id: span for span in spans}
    callers = {
        by_id[span.parent.span_id].name for span in fetches if span.parent and span.parent.span_id in by_id
    }
    assert any(name.startswith(("lambda ", "glue ")) for name in callers), callers
    assert any("BatchLanded" in name for name in callers), f"the validator's fetches: {callers}"
    assert all(span.attributes and span.attributes["http.response.status_code"] == 200 for span in fetches)
    statements = [span for span in spans if span.attributes and "db.system.name" in span.attributes]
    assert statements, "the services' statements for the run are spans"
    assert {span.context.trace_id for span in statements} == {run_trace}
    assert all(span.kind is SpanKind.CLIENT for span in statements)
    assert {span.attributes and span.attributes["db.system.name"] for span in statements} == {"sqlite"}
    assert all(span.parent and span.parent.span_id in by_id for span in statements), "none is a root"
    parents = {by_id[span.parent.span_id].name for span in statements if span.parent}
    assert {"process BatchLanded", "process SchemaValidated"} <= parents, parents
    pins = [span for span in statements if span.name == "SELECT validator_run_pins"]
    assert pins, "the validator reads its run pins in the run's trace"
