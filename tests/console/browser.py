"""Headless Chromium (the Debian package) driven by Playwright, and a screenshot when a step fails."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """A browser test that cannot run fails (CI installs it: apt-get install chromium)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@contextlib.asynccontextmanager
async def screenshots_on_failure(page: Page, folder: Path) -> AsyncIterator[None]:
    try:
        yield
    except BaseException as exc:
        shot = folder / "failure.png"  # Playwright creates the folder
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(shot), full_page=True)
            exc.add_note(f"screenshot of {page.url}: {shot}")
        raise


async def sign_in(page: Page, base_url: str, token: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.fill("input[name=token]", token)
    await page.click("button[type=submit]")
    await expect(page.locator(".principal")).to_be_visible()


async def sign_out(page: Page) -> None:
    await page.click("text=Sign out")
    await expect(page).to_have_url(re.compile(r"/login$"))


async def reload_until(page: Page, locator: Locator, text: str, *, within_s: float = 20.0) -> None:
    """What an operator does while the services catch up: reload until the page says `text`."""
    loop_deadline = within_s * 1000
    waited = 0.0
    while True:
        try:
            await expect(locator).to_have_text(text, timeout=500)
            return
        except AssertionError:
            waited += 700
            if waited > loop_deadline:
                raise
            await page.reload()
