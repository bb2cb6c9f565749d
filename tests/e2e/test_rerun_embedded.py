"""Example B's re-run: the GDP job runs again on its raw input under v1.2 (requested through the
lineage API, started by the embedded launcher), and lineage links it to the original run."""

from __future__ import annotations

import json
from pathlib import Path

from schemaline.cli.scenarios import rerun_gdp_under_fix
from schemaline.cli.stack import embedded_stack
from schemaline.contracts import BatchLanded, Layer, SchemaValidated
from schemaline.governance.ledger import read_entries
from schemaline.lineage_writer.queries import run_trace

from .examples import _noop, example_a, example_b


async def test_example_b_reruns_the_gdp_job_under_v1_2(tmp_path: Path) -> None:
    async with embedded_stack(tmp_path) as stack:
        await example_a(stack, stack.lineage.reader)
        b = await example_b(stack, stack.lineage.reader)
        rerun = await rerun_gdp_under_fix(stack, _noop, b)
        gdp = b.chain.stage(Layer.GDP)
        assert rerun.original_run_id == gdp.run_id
        assert rerun.landed is not None
        landed = rerun.landed.detail
        assert isinstance(landed, BatchLanded)
        assert (landed.rerun_of, str(landed.declared_fqid)) == (gdp.run_id, "finance.gdp.invoice:v1.2")
        assert landed.inputs == (gdp.input_uri,)  # the same raw object, read again
        assert rerun.verdict is not None
        verdict = rerun.verdict.detail
        assert isinstance(verdict, SchemaValidated)
        # Every record of the run, the 8 that drifted under v1.1 included, passes under v1.2.
        assert (verdict.valid_count, verdict.record_count) == (gdp.records_in, gdp.records_in)
        trace = await run_trace(stack.lineage.reader, rerun.rerun_id)
        assert trace is not None
        assert trace.original is not None
        assert trace.original.run_id == gdp.run_id
        original = await run_trace(stack.lineage.reader, gdp.run_id)
        assert original is not None
        assert rerun.rerun_id in {r.run_id for r in original.reruns}
        # Governance's ledger keeps the re-run's BatchLanded whole: its execution metadata included.
        entries = [e async for e in read_entries(stack.governance_engine) if e.detail_type == "BatchLanded"]
        [entry] = [e for e in entries if rerun.rerun_id in str(e.payload)]
        payload = json.loads(entry.payload)
        execution = payload["detail"]["execution"]
        assert (execution["records_in"], execution["records_out"]) == (gdp.records_in, gdp.records_in)
        # The KPI output's upstream, back to the extractor's landing object.
        hops = rerun.kpi_upstream["upstream"]
        assert hops[-1]["outputs"] == [b.chain.stage(Layer.EXTRACTOR).output_uri]
        assert [hop["run_id"] for hop in hops] == [s.run_id for s in reversed(b.chain.stages)]
