"""Example B through the console in headless Chromium: review the drift, propose, approve, follow lineage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from schemaline.runtime.settings import Role
from tests.console.browser import chromium, reload_until, screenshots_on_failure, sign_in, sign_out
from tests.console.conftest import Drifted
from tests.support.serving import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_example_b_walked_through_the_console(drifted: Drifted, tmp_path: Path) -> None:
    async with serve(drifted.stack.console.app) as url, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        async with screenshots_on_failure(page, tmp_path / "screenshots"):
            # Ops (a publisher) finds the drift case and reviews what was quarantined and the patch.
            await sign_in(page, url, drifted.token(Role.PUBLISHER))
            await page.click("nav >> text=Drift review")
            case_row = page.locator("table.cases tbody tr", has_text="/invoice_region_code")
            await expect(case_row).to_have_count(1)
            await case_row.locator("a.case-link").click()
            await expect(page.locator("#case-state")).to_have_text("open")
            await expect(page.locator("table.quarantine")).to_contain_text("invoice_region_code")
            await page.click("#open-patch")
            await expect(page.locator("#suggested")).to_have_text("finance.gdp.invoice:v1.2")
            await expect(page.locator("#verdict")).to_have_text("compatible")
            added = page.locator("table.diff tr.added td.right", has_text='"invoice_region_code"')
            await expect(added).to_have_count(1)
            await page.click("#propose")
            await expect(page).to_have_url(re.compile(r"/approvals/[0-9a-f-]+$"))
            proposal = page.url
            await reload_until(page, page.locator("#gate-status"), "pending")
            await expect(page.locator("#approve")).to_have_count(0)
            await sign_out(page)

            # A runner sees the held proposal, read-only.
            await sign_in(page, url, drifted.token(Role.RUNNER))
            await page.goto(proposal)
            await expect(page.locator("#gate-reason")).to_contain_text("held")
            await expect(page.locator("#read-only")).to_be_visible()
            await expect(page.locator("#approve")).to_have_count(0)
            await sign_out(page)

            # The approver approves with a reason; the fix is published, the records re-run, the case closes.
            await sign_in(page, url, drifted.token(Role.APPROVER))
            await page.goto(proposal)
            await page.fill("textarea[name=reason]", "drift fix for the new region code")
            await page.click("#approve")
            await expect(page).to_have_url(re.compile(r"decided=approve$"))
            # The page says the decision was sent until governance records it (then: approved).
            await reload_until(page, page.locator("#gate-status"), "approved")
            await page.locator("a.covered-case").click()
            await reload_until(page, page.locator("#case-state"), "resolved")

            # The KPI output's lineage, followed upstream to the landing object.
            await page.goto(f"{url}/runs?pipeline=finance_kpi_aggregation")
            await page.locator("table.runs tbody tr a").first.click()
            await page.locator("table a", has_text="s3://warehouse/kpi/").click()
            await expect(page.locator(f'svg a.node.focus[data-key="d:{drifted.kpi_output}"]')).to_have_count(
                1
            )
            landing = page.locator(f'svg a.node[data-key="d:{drifted.landing_object}"]')
            await expect(landing).to_have_count(1)
            await landing.click()
            await expect(
                page.locator(f'svg a.node.focus[data-key="d:{drifted.landing_object}"]')
            ).to_have_count(1)
            # Downstream of the landing object: the GDP run, its quarantine, and the re-run linked to it.
            await expect(page.locator("svg path.edge.rerun")).to_have_count(1)
            await expect(page.locator('svg a.node[data-key$=".rerun.v1.2"]')).to_have_count(1)
