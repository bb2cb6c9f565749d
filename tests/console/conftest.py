"""The console over the embedded stack, with Example B run up to the open drift case."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from schemaline.cli.scenarios import detect_drift_b, seed_registry
from schemaline.cli.stack import EmbeddedStack, embedded_stack
from schemaline.contracts import Layer
from schemaline.drift_detector.cases import DriftCase
from schemaline.pipelines.runner import ChainResult
from schemaline.runtime.settings import Role


@dataclass
class Drifted:
    stack: EmbeddedStack
    chain: ChainResult
    case: DriftCase

    @property
    def kpi_output(self) -> str:
        return self.chain.stage(Layer.KPI).output_uri or ""

    @property
    def landing_object(self) -> str:
        return self.chain.stage(Layer.EXTRACTOR).output_uri or ""

    def token(self, role: Role) -> str:
        return self.stack.tokens[role]


def _quiet(_text: str) -> None:
    return None


@pytest.fixture
async def drifted(tmp_path: Path) -> AsyncIterator[Drifted]:
    async with embedded_stack(tmp_path / "stack") as stack:
        await seed_registry(stack, _quiet)
        chain, case = await detect_drift_b(stack, _quiet)
        yield Drifted(stack, chain, case)


def browser_client(drifted: Drifted) -> httpx.AsyncClient:
    """A cookie-keeping client of the console's app, in-process."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=drifted.stack.console.app), base_url="http://console.test"
    )
