"""OpenLineage export: RunEvents built with openlineage-python validate against the spec's JSON Schemas;
its HTTP transport delivers them to a local receiver (auth, retries, refusals).

The spec schemas under openlineage_spec/ are a subset written from the OpenLineage spec documentation
(openlineage-python does not ship them and there is no network here): see its $comment.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from aiohttp import web
from referencing import Registry, Resource

from schemaline.lineage_writer.emitter import LineageEmitError, emit_events, http_client
from schemaline.lineage_writer.export import export_runs
from schemaline.lineage_writer.openlineage import (
    RunEventBuilder,
    SchemaFields,
    as_dict,
    openlineage_run_id,
    to_json_lines,
)
from schemaline.lineage_writer.rows import to_rows
from schemaline.lineage_writer.store import InMemoryLineageStore
from tests.lineage import example_a as ex

SPEC = Path(__file__).parent / "openlineage_spec"
FACETS = {
    "schema": "SchemaDatasetFacet",
    "dataQualityAssertions": "DataQualityAssertionsDatasetFacet",
    "outputStatistics": "OutputStatisticsOutputDatasetFacet",
    "errorMessage": "ErrorMessageRunFacet",
}


def _registry() -> Registry[Any]:
    resources = []
    for path in SPEC.glob("*.json"):
        document = json.loads(path.read_text())
        resources.append((document["$id"], Resource.from_contents(document)))
    registry: Registry[Any] = Registry().with_resources(resources)
    return registry


REGISTRY = _registry()


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SPEC / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, registry=REGISTRY, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


RUN_EVENT = validator("OpenLineage")


def check(event: dict[str, Any]) -> None:
    RUN_EVENT.validate(event)
    for uri in (event["producer"], event["schemaURL"]):
        assert urlsplit(uri).scheme in {"http", "https"}, uri
    facet_sets = [event["run"].get("facets", {})]
    for dataset in event["inputs"] + event["outputs"]:
        facet_sets += [
            dataset.get("facets", {}),
            dataset.get("outputFacets", {}),
            dataset.get("inputFacets", {}),
        ]
    for facets in facet_sets:
        for key, facet in facets.items():
            if key in FACETS:
                validator(FACETS[key]).validate(facet)


@pytest.fixture
async def events(tmp_path: Path) -> list[dict[str, Any]]:
    (tmp_path / "finance.gdp.invoice:v1.1.json").write_text(
        json.dumps(
            {"type": "object", "properties": {"invoice_id": {"type": "string"}, "amount": {"type": "number"}}}
        )
    )
    store = InMemoryLineageStore()
    await store.insert_batch([to_rows(e) for e in ex.example_a() + ex.failed_run() + ex.drift_and_rerun()])
    builder = RunEventBuilder(
        namespace="schemaline",
        producer="https://schemaline.dev/lineage_writer",
        schema_fields=SchemaFields(tmp_path),
    )
    runs = [
        "jr-ext-0001",
        "jr-raw-0001",
        "jr-gdp-0001",
        "jr-kpi-0001",
        "jr-raw-0002",
        "jr-gdp-0002",
        "jr-gdp-0002-r1",
    ]
    return [as_dict(event) for event in await export_runs(store, builder, run_ids=runs)]


async def test_every_exported_event_validates_against_the_spec(events: list[dict[str, Any]]) -> None:
    assert len(events) == 14
    for event in events:
        check(event)
    assert [e["eventType"] for e in events].count("START") == 7
    assert [e["eventType"] for e in events].count("FAIL") == 1


async def test_the_mapping_of_example_a(events: list[dict[str, Any]]) -> None:
    gdp = [
        e
        for e in events
        if e["job"]["name"] == "finance_gdp_transform"
        and e["run"]["facets"]["schemaline"]["runId"] == "jr-gdp-0001"
    ]
    start, complete = gdp
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"] == openlineage_run_id("jr-gdp-0001")
    assert complete["inputs"] == [
        {"namespace": "s3://warehouse", "name": "raw/invoice/2025/10/07/", "facets": {}, "inputFacets": {}}
    ]
    output = complete["outputs"][0]
    assert (output["namespace"], output["name"]) == ("s3://warehouse", "gdp/invoice/2025/10/07/part-0.jsonl")
    assert output["facets"]["schema"]["fields"] == [
        {"name": "amount", "type": "number", "fields": []},
        {"name": "invoice_id", "type": "string", "fields": []},
    ]
    assert output["facets"]["dataQualityAssertions"]["assertions"][0] == {
        "assertion": "conforms_to_schema",
        "success": True,
        "params": {},
    }
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == 1000


async def test_failures_drift_and_reruns(events: list[dict[str, Any]]) -> None:
    failed = next(e for e in events if e["eventType"] == "FAIL")
    assert failed["run"]["facets"]["errorMessage"]["message"].startswith("PIPE-1002")
    assertions = failed["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    assert {"assertion": "minimum", "success": False, "column": "amount", "params": {}} in assertions
    drift = next(e for e in events if e["run"]["facets"]["schemaline"]["validationResult"] == "drift")
    drift_checks = drift["outputs"][0]["facets"]["dataQualityAssertions"]["assertions"]
    assert {
        "assertion": "no_unexpected_field",
        "success": False,
        "column": "invoice_region_code",
        "params": {},
    } in drift_checks
    rerun = next(e for e in events if e["run"]["facets"]["schemaline"]["runId"] == "jr-gdp-0002-r1")
    assert rerun["run"]["facets"]["schemaline"]["originalOpenLineageRunId"] == openlineage_run_id(
        "jr-gdp-0002"
    )


def test_the_validator_is_not_vacuous() -> None:
    bad = {
        "eventType": "FINISHED",
        "eventTime": "yesterday",
        "producer": "x",
        "schemaURL": "y",
        "run": {"runId": "jr-1"},
    }
    errors = list(RUN_EVENT.iter_errors(bad))
    messages = " ".join(error.message for error in errors)
    assert "FINISHED" in messages
    assert "'job' is a required property" in messages
    assert any("uuid" in error.message for error in errors)
    assert any("date-time" in error.message for error in errors)


async def test_json_lines() -> None:
    store = InMemoryLineageStore()
    await store.insert_batch([to_rows(e) for e in ex.example_a()])
    built = await export_runs(store, RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lw"),
                              run_ids=["jr-gdp-0001"])  # fmt: skip
    lines = to_json_lines(built).splitlines()
    assert len(lines) == len(built) == 2
    for line in lines:
        check(json.loads(line))


API_KEY = "lineage-key-0123456789"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, list[dict[str, Any]], list[str]]]:
    """A local OpenLineage HTTP endpoint: checks the bearer key and the spec; the first POST gets a 503."""
    received: list[dict[str, Any]] = []
    seen: list[str] = []

    async def lineage(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if len(seen) == 1:
            return web.json_response({"error": "warming up"}, status=503)  # the transport retries
        event = await request.json()
        errors = [error.message for error in RUN_EVENT.iter_errors(event)]
        if event["job"]["name"] == "unknown_pipeline":
            errors.append("no such job here")
        if errors:
            return web.json_response({"errors": errors}, status=422)
        received.append(event)
        return web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/v1/lineage", lineage)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", received, seen
    await runner.cleanup()


async def _built() -> list[Any]:
    store = InMemoryLineageStore()
    await store.insert_batch([to_rows(e) for e in ex.example_a()])
    builder = RunEventBuilder(namespace="schemaline", producer="https://schemaline.dev/lineage_writer")
    return await export_runs(store, builder, run_ids=["jr-raw-0001", "jr-gdp-0001"])


async def test_the_openlineage_client_delivers_with_its_key_and_retries(
    receiver: tuple[str, list[dict[str, Any]], list[str]],
) -> None:
    url, received, seen = receiver
    built = await _built()
    client = http_client(url, api_key=API_KEY)
    assert await emit_events(client, built) == len(built) == 4
    assert received == [as_dict(event) for event in built]
    assert len(seen) == len(built) + 1  # the 503 was retried by the transport


async def test_without_the_key_nothing_is_accepted(
    receiver: tuple[str, list[dict[str, Any]], list[str]],
) -> None:
    url, received, _ = receiver
    with pytest.raises(LineageEmitError, match="401"):
        await emit_events(http_client(url), await _built())
    assert received == []


async def test_an_event_the_endpoint_refuses_raises(
    receiver: tuple[str, list[dict[str, Any]], list[str]],
) -> None:
    url, _, seen = receiver
    seen.append("the warm-up is over")
    built = await _built()
    broken = built[0]
    broken.job.name = "unknown_pipeline"
    with pytest.raises(LineageEmitError, match="422"):
        await emit_events(http_client(url, api_key=API_KEY), [broken])
