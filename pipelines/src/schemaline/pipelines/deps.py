"""The parts every stage runs against, wired by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemaline.pipelines.glue.runners import LocalRunner, Runner
from schemaline.pipelines.ports import Blobs, ContractSource, Publisher, SchemaSource
from schemaline.pipelines.seed import SeedContracts
from schemaline.sdk.metrics import PipelineMetrics
from schemaline.sdk.validation import ValidationEngine


@dataclass
class StageDeps:
    """`contracts` gives each stage run its contract (the registry's, through the SDK's cached
    contract resolver, in production; the seed's by default). `runner` runs the Glue jobs'
    partitions: this process by default, or a `SparkRunner`. `metrics` records into the process's
    meter provider (the deployment's wiring chooses it)."""

    objects: Blobs
    publisher: Publisher
    schemas: SchemaSource
    contracts: ContractSource = field(default_factory=SeedContracts)
    engine: ValidationEngine = field(default_factory=ValidationEngine)
    runner: Runner = field(default_factory=LocalRunner)
    metrics: PipelineMetrics = field(default_factory=PipelineMetrics.create)
