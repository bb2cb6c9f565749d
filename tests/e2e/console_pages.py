"""The operator console as deployed beside a stack (its own process, container or compose service),
read after Example B with an approver's token: it reaches every API it calls with that token."""

from __future__ import annotations

from urllib.parse import quote

import httpx

from schemaline.cli.scenarios import ExampleB
from schemaline.contracts import Layer


async def console_shows_example_b(url: str, token: str, result: ExampleB) -> None:
    """Each page asks another service: drift cases (drift detector), the case (drift detector and
    governance), the re-run (lineage writer), the proposal (registry and governance)."""
    case_id = result.resolved_case.case_id
    gdp_run = result.chain.stage(Layer.GDP).run_id
    bearer = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=bearer, timeout=30) as client:
        assert (await client.get("/api/v1/health")).status_code == 200
        unsigned = await client.get("/drift", headers={"Authorization": ""})
        assert unsigned.status_code == 303, "a page without a token"
        cases = await client.get("/drift", params={"state": "resolved"})
        assert cases.status_code == 200, cases.text
        assert case_id[:8] in cases.text
        case = await client.get(f"/drift/{quote(case_id, safe='')}")
        assert case.status_code == 200, case.text
        assert 'id="case-state">resolved<' in case.text
        run = await client.get(f"/runs/{quote(gdp_run, safe='')}")
        assert run.status_code == 200, run.text
        assert gdp_run in run.text
        proposal = await client.get(f"/approvals/{quote(result.proposal_id, safe='')}")
        assert proposal.status_code == 200, proposal.text
        assert str(result.published) in proposal.text or result.proposal_id in proposal.text
