"""`schemaline.deploy.wiring:pipeline_deps`, the factory every definition names, builds working
production parts from a Glue job's arguments (or a Lambda's environment): the runner token from
Secrets Manager, S3, EventBridge (provisioning off), the registry's resolver."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiobotocore.session import get_session
from opentelemetry import trace
from pydantic import SecretStr

from schemaline.contracts import Envelope, PipelineId, RunId, Selector
from schemaline.deploy.tracing import setup_stage_tracing
from schemaline.deploy.wiring import PipelineWiring, WiringConfigError, pipeline_deps, stage_telemetry
from schemaline.pipelines.glue import raw
from schemaline.pipelines.glue.args import JobArgs
from schemaline.pipelines.jobdefs import definition_files
from schemaline.pipelines.seed import jobs_dir
from schemaline.pipelines.wiring import factory_from_env
from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.bus import EventBus, build_transport
from schemaline.runtime.settings import BusSettings, DatabaseSettings, Role
from tests.support.aio import eventually
from tests.support.layout import folder_of
from tests.support.otlp import OtlpReceiver, otlp_receiver
from tests.support.registry import TOKENS, auth_settings, running_registry, toy_check
from tests.support.serving import serving
from tests.support.tracing import fresh_global_tracer

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = {"type": "object", "properties": {"invoice_id": {"type": "string"}}, "required": ["invoice_id"]}


async def seeded_registry(tmp_path: Path) -> RegistrySettings:
    """A registry database with the extractor and raw subjects published; its settings to serve it."""
    url = f"sqlite+aiosqlite:///{tmp_path}/registry.db"
    async with running_registry(url) as registry:
        for subject in ("finance.extractor.invoice", "finance.raw.invoice"):
            await registry.publish(SCHEMA, subject)  # type: ignore[arg-type]
    return RegistrySettings(database=DatabaseSettings(url=SecretStr(url)), auth=auth_settings())


def test_every_definition_names_this_factory() -> None:
    names = {
        json.loads(p.read_text())["DefaultArguments"]["--pipeline-deps"]
        for p in definition_files([jobs_dir()])
    }
    function = json.loads((ROOT / "pipelines/functions/finance_invoice_extractor.json").read_text())
    names.add(function["Environment"]["Variables"]["SCHEMALINE_PIPELINE_DEPS"])
    assert names == {"schemaline.deploy.wiring:pipeline_deps"}
    assert factory_from_env({"SCHEMALINE_PIPELINE_DEPS": names.pop()}) is pipeline_deps


def test_job_arguments_come_first_then_the_environment() -> None:
    wiring = PipelineWiring.from_sources(
        ["--JOB_ID", "j_1", "--registry-url", "http://r", "--event-bus", "bus-a"],
        {"SCHEMALINE_EVENT_BUS": "bus-b", "SCHEMALINE_REGISTRY_TOKEN_SECRET": "s", "AWS_REGION": "eu-west-1"},
    )
    assert (wiring.registry_url, wiring.event_bus, wiring.token_secret, wiring.region) == (
        "http://r",
        "bus-a",
        "s",
        "eu-west-1",
    )
    with pytest.raises(WiringConfigError, match="--registry-token-secret"):
        PipelineWiring.from_sources(["--registry-url", "http://r", "--event-bus", "b"], {"AWS_REGION": "x"})


@pytest.fixture
def otlp(monkeypatch: pytest.MonkeyPatch) -> Iterator[OtlpReceiver]:
    """Spans asked for as in Lambda with the ADOT layer: OpenTelemetry's variables, OTLP/HTTP."""
    with otlp_receiver() as receiver, fresh_global_tracer():  # the receiver outlives the provider
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.traces_url)
        yield receiver


def test_a_stage_sends_its_spans_when_it_flushes_its_metrics(otlp: OtlpReceiver) -> None:
    """What the Lambda handler does after every invocation, before Lambda may freeze it."""
    _provider, metrics = stage_telemetry()
    with trace.get_tracer("test").start_as_current_span("lambda finance_invoice_extractor"):
        pass
    metrics.flush()
    assert [(s.service, s.name) for s in otlp.spans()] == [
        ("schemaline-pipelines", "lambda finance_invoice_extractor")
    ]


def test_without_opentelemetry_settings_no_spans_are_exported() -> None:
    assert setup_stage_tracing("schemaline-pipelines", {}) is None
    assert setup_stage_tracing("schemaline-pipelines", {"OTEL_TRACES_EXPORTER": "none"}) is None
    with pytest.raises(ValueError, match="OTEL_TRACES_EXPORTER='zipkin'"):
        setup_stage_tracing("schemaline-pipelines", {"OTEL_TRACES_EXPORTER": "zipkin"})


@pytest.mark.moto
async def test_the_factory_runs_a_glue_stage_on_production_parts(
    moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, otlp: OtlpReceiver
) -> None:
    tag = uuid.uuid4().hex[:8]
    bus_name, bucket = f"wiring-{tag}", f"wiring-{tag}"
    session = get_session()
    options: dict[str, Any] = {"region_name": "eu-west-1", "endpoint_url": moto_endpoint}
    async with (
        session.create_client("secretsmanager", **options) as secrets,
        session.create_client("s3", **options) as s3,
    ):
        secret = await secrets.create_secret(
            Name=f"schemaline/runner-{tag}", SecretString=TOKENS[Role.RUNNER]
        )
        await s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        landing = f"s3://{bucket}/landing/x/part-00000.jsonl"
        record = {"invoice_id": "inv-1", "amount": 12.5, "currency": "EUR"}
        await s3.put_object(
            Bucket=bucket, Key="landing/x/part-00000.jsonl", Body=json.dumps(record).encode() + b"\n"
        )
    # What the infrastructure made: the bus, and a queue the test reads what the stage puts.
    observer = EventBus(
        build_transport(
            BusSettings(
                transport="eventbridge",
                event_bus=bus_name,
                queue_prefix=tag,
                aws_endpoint_url=moto_endpoint,
                wait_time_s=1,
            )
        )
    )
    seen: list[Envelope[Any]] = []

    async def record_event(envelope: Envelope[Any]) -> None:
        seen.append(envelope)

    observer.subscribe("observer", ["BatchLanded", "PipelineFailed"], record_event)
    await observer.start()
    settings = await seeded_registry(tmp_path)
    try:
        with serving(SPEC, settings, checker=toy_check) as registry_url:
            argv = [
                "--registry-url", registry_url,
                "--registry-token-secret", secret["ARN"],
                "--event-bus", bus_name,
                "--aws-region", "eu-west-1",
                "--aws-endpoint-url", moto_endpoint,
            ]  # fmt: skip
            monkeypatch.setattr(sys, "argv", ["finance_raw_ingest.py", *argv])
            args = JobArgs(
                schema_fqid=Selector.parse("finance.raw.invoice:v1.0"),
                input_schema_fqid=Selector.parse("finance.extractor.invoice:^1"),
                input_path=landing,
                output_path=f"s3://{bucket}/raw/invoice/",
                run_id=RunId(f"jr-{tag}"),
                pipeline_id=PipelineId("finance_raw_ingest"),
            )
            async with pipeline_deps() as deps:
                result = await raw.run(args, deps)
        assert result.landed, result.message
        assert str(result.output_uri).startswith(f"s3://{bucket}/raw/invoice/{folder_of(result.event)}/")
        await eventually(
            lambda: [e.detail_type for e in seen] == ["BatchLanded"], what="BatchLanded on the bus"
        )
        assert seen[0].id == result.event.id
        assert seen[0].detail.object_uri == result.output_uri
        # The run's spans left when its parts closed: its S3 reads and writes and its event, in the
        # run's one trace. (Its `glue …` span is made by a module-level tracer, which stays with the
        # first provider of this test process: a process sets one, once; tests set many.)
        by_trace: dict[str, set[str]] = {}
        for span in otlp.spans():
            by_trace.setdefault(span.trace_id, set()).add(span.name)
        assert any(
            {"S3.GetObject", "S3.PutObject", "EventBridge.PutEvents"} <= names for names in by_trace.values()
        ), by_trace
    finally:
        await observer.close()


async def test_the_local_factory_runs_a_stage_from_the_pipeline_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the k8s local overlay's KPI CronJob names: the services' settings shape, no AWS."""
    objects = tmp_path / "objects"
    (objects / "warehouse" / "landing").mkdir(parents=True)
    (objects / "warehouse" / "landing" / "part.jsonl").write_text(json.dumps({"invoice_id": "inv-1"}) + "\n")
    settings = await seeded_registry(tmp_path)
    with serving(SPEC, settings, checker=toy_check) as registry_url:
        for name, value in {
            "BUS__TRANSPORT": "memory",
            "OBJECTS__KIND": "local",
            "OBJECTS__ROOT": str(objects),
            "REGISTRY__URL": registry_url,
            "REGISTRY__TOKEN": TOKENS[Role.RUNNER],
        }.items():
            monkeypatch.setenv(f"SCHEMALINE_PIPELINE_{name}", value)
        args = JobArgs(
            schema_fqid=Selector.parse("finance.raw.invoice:v1.0"),
            input_schema_fqid=Selector.parse("finance.extractor.invoice:^1"),
            input_path="s3://warehouse/landing/part.jsonl",
            output_path="s3://warehouse/raw/invoice/",
            run_id=RunId("jr-local"),
            pipeline_id=PipelineId("finance_raw_ingest"),
        )
        factory = factory_from_env(
            {"SCHEMALINE_PIPELINE_DEPS": "schemaline.deploy.wiring:local_pipeline_deps"}
        )
        async with factory() as deps:
            result = await raw.run(args, deps)
    assert result.landed, result.message
    assert (
        objects / "warehouse" / "raw" / "invoice" / folder_of(result.event) / "part-00000.jsonl"
    ).is_file()
