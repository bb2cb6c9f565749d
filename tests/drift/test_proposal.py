"""A drift case's patch proposal: covers the quarantine, keeps valid data valid, or is refused."""

import asyncio
import json
from typing import Any

from schemaline.contracts import CaseId, Fqid
from schemaline.drift_detector.cases import CaseStore
from schemaline.drift_detector.proposal import build_proposal

from .conftest import GOOD, V11, Harness
from .test_service import drift


async def _case(harness: Harness, records: list[dict[str, Any]]) -> Any:
    await harness.quarantine("s3://warehouse/quarantine/jr-1.jsonl", records)
    lines = [json.dumps(r) for r in [GOOD, GOOD | {"amount": 3}, *records]]
    await harness.objects.put_bytes("s3://warehouse/gdp/invoice/jr-1.jsonl", "\n".join(lines).encode())
    event = drift("jr-1", quarantine="s3://warehouse/quarantine/jr-1.jsonl")
    await harness.bus.publish(event)
    await harness.until_processed(event)
    for _ in range(200):
        async with harness.engine.connect() as conn:
            case = await CaseStore().get(conn, CaseId(event.id))
        if case is not None:
            return case
        await asyncio.sleep(0.01)
    raise AssertionError("case never opened")


async def test_the_proposal_covers_the_case_as_a_compatible_minor(harness: Harness) -> None:
    case = await _case(harness, [GOOD | {"invoice_region_code": "EU-W"}])
    proposal = await build_proposal(case, schemas=harness.deps.schemas, objects=harness.objects)
    assert proposal.acceptable
    assert proposal.verdict.compatible
    assert proposal.suggested == Fqid.parse("finance.gdp.invoice:v1.2")
    assert proposal.base == V11
    assert (proposal.quarantined, proposal.sampled) == (1, 2)
    assert proposal.patch.schema["properties"]["invoice_region_code"] == {"type": "string"}
    assert proposal.to_json()["steps"][0]["kind"] == "add_optional_property"


async def test_a_proposal_that_would_not_accept_a_quarantined_record_is_refused(
    harness: Harness,
) -> None:
    case = await _case(
        harness, [GOOD | {"invoice_region_code": "EU"}, GOOD | {"invoice_region_code": "EU", "amount": -4}]
    )
    proposal = await build_proposal(case, schemas=harness.deps.schemas, objects=harness.objects)
    assert not proposal.acceptable
    assert [(r.index, r.pointer) for r in proposal.patch.still_rejected] == [(1, "/amount")]
