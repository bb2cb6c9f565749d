"""What the validator needs to know about schemas: contracts by stage, schemas by selector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from schemaline.contracts import (
    Envelope,
    Fqid,
    Layer,
    PipelineId,
    RunId,
    SchemaContract,
    SchemaPublished,
    Selector,
)
from schemaline.validator.pins import InMemoryPins, PinStore, pinned


@dataclass(frozen=True, slots=True)
class ResolvedSchema:
    fqid: Fqid
    schema: dict[str, Any]


class SchemaCatalog(Protocol):
    """The registry as the validator sees it (the Schema Resolver SDK in production).

    Failures to reach the registry raise `PipeError` with PIPE-1001.
    """

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None:
        """The stage's schema contract, if one is registered (`fresh`: ask the registry first)."""

    async def resolve(self, selector: Selector, run_id: RunId) -> ResolvedSchema:
        """The exact version a selector means for this run (pinned for the run's whole life)."""

    async def fetch(self, fqid: Fqid) -> ResolvedSchema:
        """One exact version."""

    async def on_published(self, envelope: Envelope[SchemaPublished]) -> None:
        """A new version is live: forget cached answers about its subject."""


class InMemoryCatalog:
    """A real catalog held in memory: tests and the embedded default use it. Run pins go to
    `pins` (this process's memory unless a shared store is given)."""

    def __init__(self, pins: PinStore | None = None) -> None:
        self.schemas: dict[Fqid, dict[str, Any]] = {}
        self.contracts: dict[tuple[str, Layer], SchemaContract] = {}
        self._pins = pins or InMemoryPins()

    def add(self, fqid: Fqid, schema: dict[str, Any]) -> None:
        self.schemas[fqid] = schema

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None:
        return self.contracts.get((pipeline_id, layer))

    async def resolve(self, selector: Selector, run_id: RunId) -> ResolvedSchema:
        async def newest() -> Fqid:
            matching = sorted(
                fqid
                for fqid in self.schemas
                if fqid.subject == selector.subject and selector.matches(fqid.version)
            )
            if not matching:
                raise LookupError(f"no published version matches {selector}")
            return matching[-1]

        return await self.fetch(await pinned(self._pins, run_id, selector, newest))

    async def fetch(self, fqid: Fqid) -> ResolvedSchema:
        return ResolvedSchema(fqid, self.schemas[fqid])

    async def on_published(self, envelope: Envelope[SchemaPublished]) -> None:
        return None  # nothing cached: every resolve reads self.schemas
