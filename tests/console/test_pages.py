"""The console's pages and actions from an operator's seat (in-process): who sees what, who may act."""

from __future__ import annotations

import re

from schemaline.runtime.settings import Role
from tests.console.conftest import Drifted, browser_client
from tests.console.pages import field, sign_in, submit

PAGES = ("/health", "/runs", "/lineage", "/drift", "/approvals")


async def test_every_page_wants_a_sign_in_and_a_known_token(drifted: Drifted) -> None:
    async with browser_client(drifted) as client:
        for page in (*PAGES, f"/drift/{drifted.case.case_id}"):
            answer = await client.get(page)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/login?next=")
        refused = await sign_in(client, "not-a-token-the-services-know")
        assert refused.status_code == 401
        assert "not known" in refused.text
        # The sign-in form carries a nonce its cookie must match: another site cannot sign you in.
        client.cookies.clear()
        forged = await client.post("/login", data={"nonce": "x", "token": drifted.token(Role.RUNNER)})
        assert forged.status_code == 401
        assert "schemaline_session" not in forged.headers.get("set-cookie", "")


async def test_a_signed_in_runner_reads_every_page_and_the_token_never_shows(drifted: Drifted) -> None:
    token = drifted.token(Role.RUNNER)
    async with browser_client(drifted) as client:
        signed = await sign_in(client, token, "/drift")
        assert (signed.status_code, signed.headers["location"]) == (303, "/drift")
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
        for page in (*PAGES, f"/drift/{drifted.case.case_id}", f"/drift/{drifted.case.case_id}/patch"):
            answer = await client.get(page)
            assert answer.status_code == 200, (page, answer.text[:500])
            assert token not in answer.text
            assert "demo-runner" in answer.text
            assert answer.headers["content-security-policy"].startswith("default-src 'none'")
            assert answer.headers["x-frame-options"] == "DENY"
        health = (await client.get("/health")).text
        latencies = re.findall(r"\d+\.\d ms", health)
        assert len(latencies) == 2, "the validation and resolver latencies' P95, from the lineage API"
        patch = (await client.get(f"/drift/{drifted.case.case_id}/patch")).text
        assert "finance.gdp.invoice:v1.2" in patch
        assert 'id="propose"' not in patch, "a runner is not offered propose"


async def test_only_an_approver_is_offered_the_decision_and_the_service_decides(drifted: Drifted) -> None:
    case_id = drifted.case.case_id
    async with browser_client(drifted) as publisher:
        await sign_in(publisher, drifted.token(Role.PUBLISHER))
        proposed = await submit(publisher, f"/drift/{case_id}/patch", f"/drift/{case_id}/propose")
        assert proposed.status_code == 303
        page = proposed.headers["location"]
        proposal_id = page.rsplit("/", 1)[1]
        await drifted.stack.settle()  # governance has the proposal once SchemaProposed reached it
        shown = (await publisher.get(page)).text
        assert 'id="approve"' not in shown
        assert "Read-only" in shown
    async with browser_client(drifted) as runner:
        await sign_in(runner, drifted.token(Role.RUNNER))
        shown = (await runner.get(page)).text
        assert 'id="approve"' not in shown
        # Forging the form anyway: the console forwards it, governance refuses the runner's token.
        forged = await runner.post(
            f"{page}/decide", data={"csrf": field(shown, "csrf"), "decision": "approve", "reason": "x"}
        )
        assert forged.status_code == 403
        assert "may not govern" in forged.text
    async with browser_client(drifted) as approver:
        await sign_in(approver, drifted.token(Role.APPROVER))
        shown = (await approver.get(page)).text
        assert 'id="approve"' in shown
        assert "pending" in shown
        without_csrf = await approver.post(f"{page}/decide", data={"decision": "approve", "reason": "ok"})
        assert without_csrf.status_code == 400
        assert (await drifted.stack.governance.proposal(proposal_id))["status"] == "pending"
        decided = await submit(approver, page, f"{page}/decide", decision="approve", reason="drift fix")
        assert decided.status_code == 303
        await drifted.stack.settle()
        assert (await drifted.stack.governance.proposal(proposal_id))["decided_by"] == "demo-approver"
        case = (await approver.get(f"/drift/{case_id}")).text
        assert re.search(r'id="case-state">resolved<', case)


async def test_what_services_hold_is_escaped(drifted: Drifted) -> None:
    note = '<script>alert("x")</script>'
    await drifted.stack.drift.ack(drifted.case.case_id, note)
    async with browser_client(drifted) as client:
        await sign_in(client, drifted.token(Role.RUNNER))
        page = (await client.get(f"/drift/{drifted.case.case_id}")).text
        assert note not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


async def test_a_bearer_header_reads_pages_without_a_session(drifted: Drifted) -> None:
    async with browser_client(drifted) as client:
        headers = {"Authorization": f"Bearer {drifted.token(Role.APPROVER)}"}
        answer = await client.get("/approvals", headers=headers)
        assert answer.status_code == 200
        assert "demo-approver" in answer.text
        wrong = await client.get("/approvals", headers={"Authorization": "Bearer nope-nope-nope-nope"})
        assert wrong.status_code == 303
