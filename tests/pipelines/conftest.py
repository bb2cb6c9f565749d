"""Stage parts for pipeline tests: a local folder store, the in-memory bus, the seed's schemas."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from schemaline.contracts import Envelope
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.seed import SeedSchemas
from schemaline.runtime.bus import EventBus, InMemoryTransport
from schemaline.runtime.objectstore import LocalFolderStore


@dataclass
class Parts:
    deps: StageDeps
    store: LocalFolderStore
    transport: InMemoryTransport
    schemas: SeedSchemas

    def events(self, detail_type: str | None = None) -> list[Envelope[Any]]:
        return [e for e in self.transport.events() if detail_type is None or e.detail_type == detail_type]


def make_parts(root: Path) -> Parts:
    transport = InMemoryTransport()
    store = LocalFolderStore(root)
    schemas = SeedSchemas()
    deps = StageDeps(objects=store, publisher=EventBus(transport), schemas=schemas)
    return Parts(deps, store, transport, schemas)


@pytest.fixture
def parts(tmp_path: Path) -> Parts:
    return make_parts(tmp_path / "objects")
