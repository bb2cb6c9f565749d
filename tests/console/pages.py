"""Signing in and acting through the console's forms, as a browser would, without one."""

from __future__ import annotations

import re

import httpx


def field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, f"no {name} field in the page"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, token: str, next_path: str = "/") -> httpx.Response:
    form = await client.get("/login", params={"next": next_path})
    return await client.post(
        "/login", data={"nonce": field(form.text, "nonce"), "next": next_path, "token": token}
    )


async def submit(client: httpx.AsyncClient, page: str, action: str, **data: str) -> httpx.Response:
    """Post a form of `page` with the session's CSRF token, as clicking its button does."""
    html = (await client.get(page)).text
    return await client.post(action, data={"csrf": field(html, "csrf"), **data})
