"""The stages run on the Schema Resolver SDK as they do on the seed source: same port, same pins."""

from __future__ import annotations

from schemaline.contracts import Layer, PipelineId, RunId, Selector
from schemaline.pipelines import jsonl
from schemaline.pipelines.glue import gdp, kpi
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.seed import seed_schemas
from schemaline.pipelines.source import example_a
from schemaline.sdk.resolver import AsyncSchemaResolver
from schemaline.sdk.resolver.fake import InMemoryRegistry
from tests.pipelines.conftest import Parts

INPUT = "s3://warehouse/gdp/in.jsonl"


def registry_with_seed() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    for fqid, schema in seed_schemas().items():
        registry.publish(fqid, schema)
    return registry


def kpi_args(run: str) -> JobArgs:
    return JobArgs(
        schema_fqid=Selector.parse("finance.kpi.invoice_daily:^1"),
        input_schema_fqid=Selector.parse("finance.gdp.invoice:^1"),
        input_path=INPUT,
        output_path="s3://warehouse/kpi/invoice_daily/",
        run_id=RunId(run),
        pipeline_id=PipelineId(kpi.PIPELINE_ID),
    )


async def test_kpi_pins_the_newest_v1_through_the_resolver(parts: Parts) -> None:
    registry = registry_with_seed()
    resolver = AsyncSchemaResolver(registry)
    parts.deps.schemas = resolver  # the SDK's resolver is a SchemaSource (mypy checks it here)
    await parts.store.put_bytes(INPUT, jsonl.dumps(gdp.transform(example_a(8))))

    first = await kpi.run(kpi_args("jr-1"), parts.deps)
    assert first.schema_fqid is not None
    newer = dict(seed_schemas()[first.schema_fqid], title="finance.kpi.invoice_daily v1.3")
    registry.publish("finance.kpi.invoice_daily:v1.3", newer)
    resolver.invalidate(first.schema_fqid.subject)  # what the SchemaPublished handler does
    second = await kpi.run(kpi_args("jr-2"), parts.deps)

    assert (str(first.schema_fqid), str(second.schema_fqid)) == (
        "finance.kpi.invoice_daily:v1.0",
        "finance.kpi.invoice_daily:v1.3",
    )
    assert second.layer is Layer.KPI
    assert second.landed


async def test_an_unreachable_registry_is_pipe_1001(parts: Parts) -> None:
    registry = registry_with_seed()
    registry.down = True
    parts.deps.schemas = AsyncSchemaResolver(registry)
    await parts.store.put_bytes(INPUT, jsonl.dumps(gdp.transform(example_a(2))))

    result = await kpi.run(kpi_args("jr-down"), parts.deps)
    assert str(result.code) == "PIPE-1001"
    assert "registry unreachable" in result.message
