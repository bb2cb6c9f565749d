"""Every operator API says whose token a caller holds: what the console shows and offers."""

from __future__ import annotations

from schemaline.runtime.http.app import create_api_app
from schemaline.runtime.settings import Role
from tests.support.api import client, tokens
from tests.support.registry import bearer


async def test_whoami_names_the_tokens_principal_and_wants_a_token() -> None:
    app = create_api_app(title="t", description="d", tokens=tokens(), routers=[])
    async with client(app) as http:
        for role in Role:
            answer = await http.get("/api/v1/whoami", headers=bearer(role))
            assert answer.status_code == 200
            assert answer.json()["role"] == role.value
            assert answer.json()["name"]
        assert (await http.get("/api/v1/whoami")).status_code == 401
