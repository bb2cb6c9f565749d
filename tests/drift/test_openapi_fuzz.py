"""Schemathesis over the drift detector's OpenAPI document: no generated request gets a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from schemaline.drift_detector.settings import DriftSettings
from schemaline.drift_detector.spec import SPEC
from schemaline.runtime.settings import Role
from tests.support.fuzz import fuzz_api
from tests.support.registry import auth_settings, bearer
from tests.support.serving import serving


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite+aiosqlite:///{folder}/drift.db"
    settings = DriftSettings.model_validate(
        {
            "database": {"url": url},
            "objects": {"kind": "local", "root": str(folder / "objects")},
            "registry": {"url": "http://127.0.0.1:9"},  # nothing listens: proposals answer 503
            "auth": auth_settings().model_dump(mode="python"),
        }
    )
    with serving(SPEC, settings) as base_url:
        yield base_url


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(live: str) -> None:
    def headers(operation: Any) -> dict[str, str]:
        return bearer(Role.PUBLISHER)

    assert fuzz_api(live, headers, at_least=5) == []
