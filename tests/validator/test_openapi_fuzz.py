"""Schemathesis over the validator's OpenAPI document (its DLQ): no generated request gets a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from schemaline.runtime.objectstore import LocalFolderStore
from schemaline.runtime.settings import Role
from schemaline.validator.settings import ValidatorSettings
from schemaline.validator.spec import SPEC
from tests.support.dead_letters import DLQ_API_ROUTES
from tests.support.fuzz import fuzz_api
from tests.support.registry import auth_settings, bearer
from tests.support.serving import serving

from .conftest import catalog


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = ValidatorSettings.model_validate(
        {"database": {"url": f"sqlite+aiosqlite:///{folder}/validator.db"}, "auth": auth_settings()}
    )
    with serving(SPEC, settings, catalog=catalog(), objects=LocalFolderStore(folder / "objects")) as url:
        yield url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.PUBLISHER)

    assert fuzz_api(live, headers, at_least=5) == []


def test_the_document_names_every_route(live: str) -> None:
    paths = httpx.get(f"{live}/openapi.json").json()["paths"]
    assert set(paths) == DLQ_API_ROUTES
