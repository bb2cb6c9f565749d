"""The parts every stage runs against, wired by the caller."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from schemaline.contracts import PipelineId, SchemaContract, StagePolicy
from schemaline.pipelines.glue.runners import LocalRunner, Runner
from schemaline.pipelines.ports import Blobs, Publisher, SchemaSource
from schemaline.pipelines.seed import seed_contracts
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.validation import ValidationEngine


@dataclass
class StageDeps:
    """`contracts` gives each pipeline its stage policy; the seed's contracts by default.
    `runner` runs the Glue jobs' partitions: this process by default, or a `SparkRunner`.
    `metrics` records into the process's meter provider (the deployment's wiring chooses it)."""

    objects: Blobs
    publisher: Publisher
    schemas: SchemaSource
    contracts: Mapping[PipelineId, SchemaContract] = field(default_factory=seed_contracts)
    engine: ValidationEngine = field(default_factory=ValidationEngine)
    runner: Runner = field(default_factory=LocalRunner)
    metrics: PipelineMetrics = field(default_factory=PipelineMetrics.create)

    def policy(self, pipeline_id: PipelineId) -> StagePolicy:
        contract = self.contracts.get(pipeline_id)
        return contract.policy if contract is not None else StagePolicy()
