"""The extractor's settings, read from the Lambda's environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from schemaline.contracts import PipelineId, Selector
from schemaline.pipelines.layout import DEFAULT_LAYOUT, check_layout

DEFAULT_SCHEMA = "finance.extractor.invoice:v1.0"


@dataclass(frozen=True, slots=True)
class ExtractorSettings:
    """`SCHEMALINE_SCHEMA_FQID`, `SCHEMALINE_PIPELINE_ID`, `SCHEMALINE_LANDING_PATH`,
    `SCHEMALINE_LANDING_LAYOUT` (folders under the landing path, as a Glue job's `--output-layout`)."""

    schema_fqid: Selector = field(default_factory=lambda: Selector.parse(DEFAULT_SCHEMA))
    pipeline_id: PipelineId = field(default=PipelineId("finance_invoice_extractor"))
    landing_path: str = "s3://warehouse/landing/invoice/"
    landing_layout: str = DEFAULT_LAYOUT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ExtractorSettings:
        env = os.environ if environ is None else environ
        default = cls()
        return cls(
            schema_fqid=Selector.parse(env.get("SCHEMALINE_SCHEMA_FQID", str(default.schema_fqid))),
            pipeline_id=PipelineId(env.get("SCHEMALINE_PIPELINE_ID", default.pipeline_id)),
            landing_path=env.get("SCHEMALINE_LANDING_PATH", default.landing_path),
            landing_layout=check_layout(env.get("SCHEMALINE_LANDING_LAYOUT", default.landing_layout)),
        )
