"""The seed schemas and stage contracts shipped in `pipelines/schemas/`, and a schema source over them.

A schema file is named for its FQID with the colon dropped: `finance.gdp.invoice.v1.1.json` holds
`finance.gdp.invoice:v1.1`. `schemas/*.json` are published from the start; `schemas/drift_fix/`
holds Example B's fix (`finance.gdp.invoice:v1.2`), which is proposed and published during the
example, never before. Contracts are `schemas/contracts/<pipeline_id>.json`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from schemaline.contracts import Fqid, FqidError, Layer, PipelineId, SchemaContract, Selector

_PACKAGED = Path(__file__).parent / "_seed"  # inside a wheel (see pyproject's force-include)
_SOURCE_TREE = Path(__file__).resolve().parents[3]  # pipelines/ in a checkout (editable install)


def seed_root() -> Path:
    """The folder holding `schemas/` and `jobs/`."""
    return _PACKAGED if (_PACKAGED / "schemas").is_dir() else _SOURCE_TREE


def schemas_dir() -> Path:
    return seed_root() / "schemas"


def jobs_dir() -> Path:
    return seed_root() / "jobs"


def fqid_of_file(path: Path) -> Fqid:
    """`finance.gdp.invoice.v1.1.json` → `finance.gdp.invoice:v1.1`."""
    stem = path.name.removesuffix(".json")
    subject, dot, version = stem.rpartition(".v")
    major_minor = version.split(".")
    if not dot or len(major_minor) != 2:
        raise FqidError(f"{path.name}: expected domain.layer.entity.vMAJOR.MINOR.json")
    return Fqid.parse(f"{subject}:v{version}")


@functools.cache
def _load_schemas(folder: Path) -> dict[Fqid, Any]:
    return {
        fqid_of_file(path): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


def seed_schemas(folder: Path | None = None) -> dict[Fqid, Any]:
    """The schemas published from the start, by FQID (a fresh copy: callers may change it)."""
    loaded = _load_schemas(folder or schemas_dir())
    return {fqid: json.loads(json.dumps(schema)) for fqid, schema in loaded.items()}


def drift_fix_schemas() -> dict[Fqid, Any]:
    """Example B's drift fix, to be proposed once the drift is seen."""
    return seed_schemas(schemas_dir() / "drift_fix")


def seed_schema(fqid: Fqid | str) -> Any:
    """Any seed schema, the drift fix included; `KeyError` if there is none."""
    exact = fqid if isinstance(fqid, Fqid) else Fqid.parse(fqid)
    return (seed_schemas() | drift_fix_schemas())[exact]


def seed_contracts(folder: Path | None = None) -> dict[PipelineId, SchemaContract]:
    """The stage contracts by pipeline id."""
    root = (folder or schemas_dir()) / "contracts"
    contracts = (
        SchemaContract.model_validate_json(path.read_text(encoding="utf-8"))
        for path in sorted(root.glob("*.json"))
    )
    return {contract.pipeline_id: contract for contract in contracts}


class _Resolved:
    __slots__ = ("fqid", "schema")

    def __init__(self, fqid: Fqid, schema: Any) -> None:
        self.fqid = fqid
        self.schema = schema


class SeedSchemas:
    """A schema source over published versions held in memory (the seed's, unless told otherwise).

    `publish` adds a version, as the registry would once governance approves it; runs pinned
    before keep what they resolved.
    """

    def __init__(self, schemas: dict[Fqid, Any] | None = None) -> None:
        self.versions: dict[Fqid, Any] = seed_schemas() if schemas is None else dict(schemas)

    def publish(self, fqid: Fqid | str, schema: Any) -> None:
        exact = fqid if isinstance(fqid, Fqid) else Fqid.parse(fqid)
        if exact in self.versions:
            raise ValueError(f"{exact} is already published; a published version never changes")
        self.versions[exact] = schema

    def latest(self, selector: Selector | str) -> _Resolved:
        parsed = selector if isinstance(selector, Selector) else Selector.parse(selector)
        matching = sorted(
            fqid for fqid in self.versions if fqid.subject == parsed.subject and parsed.matches(fqid.version)
        )
        if not matching:
            raise LookupError(f"no published version matches {parsed}")
        return _Resolved(matching[-1], self.versions[matching[-1]])

    def pin(self) -> SeedPins:
        return SeedPins(self)


class SeedPins:
    def __init__(self, source: SeedSchemas) -> None:
        self._source = source
        self.pinned: dict[str, Fqid] = {}

    async def resolve(self, selector: Selector | str) -> _Resolved:
        key = str(selector)
        if key not in self.pinned:
            self.pinned[key] = self._source.latest(selector).fqid
        fqid = self.pinned[key]
        return _Resolved(fqid, self._source.versions[fqid])


class SeedContracts:
    """A contract source over contracts held in memory (the seed's, unless told otherwise);
    `put` registers or replaces one, as the registry's contracts API would."""

    def __init__(self, contracts: dict[PipelineId, SchemaContract] | None = None) -> None:
        self.contracts = seed_contracts() if contracts is None else dict(contracts)

    def put(self, contract: SchemaContract) -> None:
        self.contracts[contract.pipeline_id] = contract

    async def contract(
        self, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
    ) -> SchemaContract | None:
        found = self.contracts.get(pipeline_id)
        return found if found is not None and found.layer is layer else None
