"""The AWS re-run launcher: a RunRerunRequested starts the stage's Glue job (a moto server's Glue)
with the re-run's input, version, run id and original run; the job's definition supplies the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiobotocore.session import get_session
from botocore.session import get_session as botocore_session  # type: ignore[import-untyped]
from botocore.validate import ParamValidator  # type: ignore[import-untyped]

from schemaline.contracts import Layer, PipelineId, RunId, RunRerunRequested, Selector
from schemaline.deploy.launcher import launch, start_job_run_request
from schemaline.pipelines.seed import jobs_dir

DEFINITION = json.loads(Path(jobs_dir() / "finance_gdp_transform.json").read_text())
REQUEST = RunRerunRequested(
    original_run_id=RunId("jr-3245dce147"),
    rerun_id=RunId("jr-efbe3d668c"),
    pipeline_id=PipelineId("finance_gdp_transform"),
    layer=Layer.GDP,
    schema_fqid=Selector.parse("finance.gdp.invoice:v1.2"),
    inputs=("s3://warehouse/raw/invoice/2025/10/07/run=jr-083f24dcba/part-00000.jsonl",),
    requested_by="ops",
)


def test_the_request_is_a_valid_start_job_run() -> None:
    body = start_job_run_request(REQUEST)
    shape = botocore_session().get_service_model("glue").operation_model("StartJobRun").input_shape
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()
    assert body["JobName"] == "finance_gdp_transform"
    assert body["Arguments"] == {
        "--input-path": REQUEST.inputs[0],
        "--schema-fqid": "finance.gdp.invoice:v1.2",
        "--run-id": "jr-efbe3d668c",
        "--rerun-of": "jr-3245dce147",
    }


@pytest.mark.moto
async def test_launch_starts_the_glue_job_with_the_reruns_arguments(moto_endpoint: str) -> None:
    definition = DEFINITION
    async with get_session().create_client(
        "glue", region_name="eu-west-1", endpoint_url=moto_endpoint
    ) as glue:
        await glue.create_job(**definition)
        job_run_id = await launch(REQUEST, glue)
        run = (await glue.get_job_run(JobName="finance_gdp_transform", RunId=job_run_id))["JobRun"]
    assert run["Arguments"]["--rerun-of"] == "jr-3245dce147"
    assert run["Arguments"]["--schema-fqid"] == "finance.gdp.invoice:v1.2"
