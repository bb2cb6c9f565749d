"""The seed's Examples A and B as steps on any stack: the embedded one (the demo) or services as processes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from schemaline.contracts import (
    BatchLanded,
    CaseId,
    Envelope,
    Fqid,
    Layer,
    PipelineFailed,
    SchemaContract,
    SchemaDriftDetected,
    SchemaValidated,
    Selector,
    Subject,
)
from schemaline.drift_detector.cases import CaseState, DriftCase
from schemaline.pipelines.deps import StageDeps
from schemaline.pipelines.runner import ChainResult, run_chain
from schemaline.pipelines.seed import seed_contracts, seed_schemas
from schemaline.pipelines.source import example_a, example_b, extractor_event
from schemaline.runtime.bus import Publisher
from schemaline.runtime.objectstore import ObjectStore
from schemaline.sdk.operators import DriftClient, GovernanceClient, LineageClient
from schemaline.sdk.registry_api import RegistryApi
from schemaline.sdk.registry_settings import RegistryClients

GDP = Subject.parse("finance.gdp.invoice")
DRIFT_FIX = Fqid.parse("finance.gdp.invoice:v1.2")
VERDICTS = {SchemaValidated.DETAIL_TYPE, SchemaDriftDetected.DETAIL_TYPE, PipelineFailed.DETAIL_TYPE}
Step = Callable[[str], None]


class Stack(Protocol):
    """What the scenarios need: the embedded stack, or the services running as processes."""

    @property
    def objects(self) -> ObjectStore: ...

    @property
    def runner(self) -> RegistryClients: ...

    @property
    def publisher(self) -> RegistryApi: ...

    @property
    def drift(self) -> DriftClient:
        """The drift detector's operator API, with a publisher's token (reads, propose)."""

    @property
    def governance(self) -> GovernanceClient:
        """Governance's operator API, with an approver's token (reads, approve)."""

    def bus(self) -> Publisher: ...

    def events(self) -> list[Envelope[Any]]: ...

    async def settle(self) -> None: ...

    async def publish_schema(self, subject: Subject | str, schema: Any) -> dict[str, Any]: ...

    async def put_contract(self, contract: SchemaContract) -> None: ...

    async def approve(self, proposal_id: str, reason: str) -> dict[str, Any]:
        """Approve as an approver, through governance's API, and wait for what follows."""


@dataclass(frozen=True)
class ExampleB:
    chain: ChainResult
    case: DriftCase
    proposal: dict[str, Any]  # the drift detector's answer to "propose": the patch and its checks
    proposal_id: str
    held_reason: str
    published: Fqid
    resolved_case: DriftCase


async def seed_registry(stack: Stack, step: Step) -> list[Fqid]:
    """Publish the seed's schemas through the publication flow (all but the drift fix), then the
    stage contracts. The registry numbers versions itself: they must come out as the files say."""
    published: list[Fqid] = []
    for fqid, schema in sorted(seed_schemas().items()):
        if fqid == DRIFT_FIX:
            continue
        answer = await stack.publish_schema(fqid.subject, schema)
        got = Fqid.parse(str(answer["fqid"]))
        if got != fqid:
            raise RuntimeError(f"the registry numbered {fqid} as {got}")
        published.append(got)
        step(f"published {got}")
    for contract in seed_contracts().values():
        await stack.put_contract(contract)
    step(f"registered {len(seed_contracts())} stage contracts")
    return published


def verdict_hook(stack: Stack) -> Callable[[Envelope[BatchLanded]], Awaitable[Envelope[Any] | None]]:
    """Production triggers each Glue stage once the previous batch is validated: wait for that."""

    async def wait(landed: Envelope[BatchLanded]) -> Envelope[Any] | None:
        async with asyncio.timeout(30):
            while True:
                verdict: Envelope[Any]
                for verdict in reversed(stack.events()):
                    if verdict.detail_type in VERDICTS and verdict.detail.meta.causation_id == landed.id:
                        await stack.settle()
                        return verdict
                await asyncio.sleep(0.01)

    return wait


def stage_deps(stack: Stack) -> StageDeps:
    return StageDeps(
        objects=stack.objects,
        publisher=stack.bus(),
        schemas=stack.runner.resolver,
        contracts=stack.runner.contracts,
    )


async def run_example_a(stack: Stack, step: Step, *, records: int = 24) -> ChainResult:
    chain = await run_chain(
        extractor_event(example_a(records)), stage_deps(stack), await_verdict=verdict_hook(stack)
    )
    await stack.settle()
    for stage in chain.stages:
        verdict = stage.verdict.detail_type if stage.verdict else stage.status.value
        step(f"Example A: {stage.layer.value} run {stage.run_id} → {verdict}")
    return chain


async def open_cases(stack: Stack, subject: Subject) -> list[DriftCase]:
    """The subject's cases not yet resolved, as the drift detector's API lists them."""
    cases = [DriftCase.from_json(case) for case in await stack.drift.cases()]
    return [case for case in cases if case.subject == subject and case.state is not CaseState.RESOLVED]


async def case(stack: Stack, case_id: CaseId) -> DriftCase:
    return DriftCase.from_json(await stack.drift.case(case_id))


async def detect_drift_b(stack: Stack, step: Step, *, records: int = 24) -> tuple[ChainResult, DriftCase]:
    """Example B up to ops' review: the chain runs, GDP drifts, the case is open (the console's start)."""
    chain = await run_chain(
        extractor_event(example_b(records)), stage_deps(stack), await_verdict=verdict_hook(stack)
    )
    await stack.settle()
    for stage in chain.stages:
        verdict = stage.verdict.detail_type if stage.verdict else stage.status.value
        step(f"Example B: {stage.layer.value} run {stage.run_id} → {verdict}")
    [drift_case] = await open_cases(stack, GDP)
    step(f"drift case {drift_case.case_id} open: {', '.join(f.pointer for f in drift_case.fields)}")
    return chain, drift_case


async def run_example_b(stack: Stack, step: Step, *, records: int = 24) -> ExampleB:
    chain, drift_case = await detect_drift_b(stack, step, records=records)

    # What `schemaline drift propose CASE` does: the drift detector infers the patch from quarantine,
    # checks it, and submits it to the registry as the caller (a publisher).
    proposal = await stack.drift.propose(drift_case.case_id)
    answer = proposal["submitted"]
    if answer is None:
        raise RuntimeError(f"the inferred patch still rejects {len(proposal['still_rejected'])} records")
    await stack.settle()
    proposal_id = str(answer["proposal"]["id"])
    held = await _held_reason(stack, proposal_id)
    step(f"proposal {proposal_id} ({answer['fqid']}) held by the gate: {held}")

    await stack.approve(proposal_id, f"drift fix covering {drift_case.case_id}")
    published = Fqid.parse(str(answer["fqid"]))
    step(f"approved and published {published}; quarantined records re-run")
    resolved = await case(stack, drift_case.case_id)
    step(f"drift case {resolved.case_id} {resolved.state.value}")
    return ExampleB(chain, drift_case, proposal, proposal_id, held, published, resolved)


class RerunStack(Stack, Protocol):
    """A stack whose lineage API takes re-run requests, and a launcher runs them (the embedded one)."""

    @property
    def lineage_api(self) -> LineageClient:
        """The lineage writer's operator API, with a publisher's token."""


@dataclass(frozen=True)
class GdpRerun:
    original_run_id: str
    rerun_id: str
    landed: Envelope[Any] | None  # the re-run's BatchLanded (rerun_of = the original)
    verdict: Envelope[Any] | None  # the validator's verdict on it
    kpi_upstream: dict[str, Any]  # the KPI output's upstream walk, back to the landing object


async def rerun_gdp_under_fix(stack: RerunStack, step: Step, example: ExampleB) -> GdpRerun:
    """The seed's "pipeline re-runs": the GDP stage moves to the published fix (its contract now pins
    it), and the drifted run is re-run on its raw input under it (`schemaline runs rerun`)."""
    gdp = example.chain.stage(Layer.GDP)
    contract = seed_contracts()[gdp.pipeline_id]
    moved = contract.model_copy(update={"schema_selector": Selector.exact(example.published)})
    await stack.put_contract(moved)
    step(f"GDP contract now pins {example.published}")
    answer = await stack.lineage_api.rerun(gdp.run_id, str(example.published))
    await stack.settle()
    rerun_id = str(answer["rerun_id"])
    mine = [e for e in stack.events() if getattr(e.detail, "run_id", None) == rerun_id]
    landed = next((e for e in mine if e.detail_type == BatchLanded.DETAIL_TYPE), None)
    verdict = next((e for e in reversed(mine) if e.detail_type in VERDICTS), None)
    outcome = verdict.detail_type if verdict is not None else "no verdict"
    step(f"re-ran GDP run {gdp.run_id} under {example.published} as {rerun_id} → {outcome}")
    kpi = example.chain.stage(Layer.KPI)
    walk = await stack.lineage_api.dataset(str(kpi.output_uri), 10)
    step(f"KPI output {kpi.output_uri}: {len(walk['upstream'])} runs upstream, back to the landing object")
    return GdpRerun(
        gdp.run_id, rerun_id, landed, verdict, {"dataset": walk["dataset"], "upstream": walk["upstream"]}
    )


async def _held_reason(stack: Stack, proposal_id: str) -> str:
    """What governance recorded when it held the proposal (it must not have decided it)."""
    held = await stack.governance.proposal(proposal_id)
    if held["status"] != "pending":
        raise RuntimeError(f"governance did not hold proposal {proposal_id}: {held}")
    return str(held["reason"])
