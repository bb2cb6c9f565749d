"""A stage run's binding to its contract: resolved from the registry before any data is read.

The declared FQID must stay inside the contract's `schema_selector` (else PIPE-1104);
`validation_timing` says which checks the run makes and `integration_mode` whether the stage makes
them itself (in process) or leaves them to the validator service's verdict on the landed batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from schemaline.contracts import (
    Check,
    Component,
    Layer,
    PipeCode,
    PipeError,
    PipelineId,
    SchemaContract,
    Selector,
    StagePolicy,
)
from schemaline.pipelines.checks import StageFailure
from schemaline.pipelines.ports import ContractSource
from schemaline.sdk.contract_check import outside_contract

log = logging.getLogger("schemaline.pipelines")

# With no contract registered a stage checks everything it can, in process (and says so).
_UNBOUND = {
    Component.LAMBDA: frozenset({Check.ON_INVOCATION}),
    Component.GLUE: frozenset({Check.PRE_JOB, Check.POST_TRANSFORM, Check.PUBLISH}),
}


async def _contract(
    contracts: ContractSource, pipeline_id: PipelineId, layer: Layer, *, fresh: bool = False
) -> SchemaContract | None:
    try:
        return await contracts.contract(pipeline_id, layer, fresh=fresh)
    except PipeError as exc:
        raise StageFailure(exc.code, f"contract of {pipeline_id}: {exc.message}") from exc


@dataclass(frozen=True, slots=True)
class Binding:
    contract: SchemaContract | None
    policy: StagePolicy
    checks: frozenset[Check]
    in_process: bool

    def runs(self, check: Check) -> bool:
        """Whether the stage itself makes `check` (else the validator service's verdict stands for it)."""
        return self.in_process and check in self.checks


async def bind(
    contracts: ContractSource, pipeline_id: PipelineId, layer: Layer, component: Component, declared: Selector
) -> Binding:
    """The run's contract; `StageFailure` PIPE-1104 when `declared` is outside it, PIPE-1001 when the
    registry cannot be reached and no copy is cached."""
    contract = await _contract(contracts, pipeline_id, layer)
    if contract is None:
        log.warning(
            "%s (%s) has no registered contract: every check runs in process", pipeline_id, layer.value
        )
        return Binding(None, StagePolicy(), _UNBOUND[component], in_process=True)
    if not contract.admits(declared):
        # A contract just changed may still be cached here: ask the registry before refusing.
        contract = await _contract(contracts, pipeline_id, layer, fresh=True)
    if contract is None:
        return Binding(None, StagePolicy(), _UNBOUND[component], in_process=True)
    if not contract.admits(declared):
        raise StageFailure(PipeCode.OUTSIDE_CONTRACT, outside_contract(declared, contract))
    return Binding(contract, contract.policy, contract.checks, contract.in_process)
