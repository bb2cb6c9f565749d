"""What an operator does to drift cases: look them up, acknowledge one, propose the patch that closes it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from schemaline.contracts import CaseId, PipeCode, QuarantineLine
from schemaline.drift_detector.cases import CaseState, CaseStore, DriftCase
from schemaline.drift_detector.ports import ResolverSchemas
from schemaline.drift_detector.proposal import DriftProposal, build_proposal
from schemaline.runtime.http.errors import ConflictError, NotFoundError, UnavailableError
from schemaline.runtime.objectstore import ObjectNotFound, ObjectStore, ObjectStoreError
from schemaline.sdk.registry_api import RegistryApiError
from schemaline.sdk.registry_settings import RegistryClients
from schemaline.sdk.resolver.errors import RegistryRequestError, SchemaFetchError, SchemaNotFoundError


class RegistryRefusedError(ConflictError):
    """The registry answered the proposal with an error: its status, PIPE code and message are kept."""

    def __init__(self, exc: RegistryApiError) -> None:
        body = exc.body if isinstance(exc.body, dict) else {}
        code = body.get("code")
        super().__init__(
            f"the registry refused the proposal ({exc.status}): {body.get('message', exc.body)}",
            code=PipeCode(code) if code in {c.value for c in PipeCode} else None,
        )
        self.status = 403 if exc.status in (401, 403) else 409


async def get_case(engine: AsyncEngine, case_id: str) -> DriftCase:
    async with engine.connect() as conn:
        case = await CaseStore().get(conn, CaseId(case_id))
    if case is None:
        raise NotFoundError(f"no drift case {case_id!r}")
    return case


async def list_cases(engine: AsyncEngine, state: CaseState | None) -> list[DriftCase]:
    async with engine.connect() as conn:
        return await CaseStore().all_cases(conn, state=None if state is None else state.value)


async def _active(engine: AsyncEngine, case_id: str) -> DriftCase:
    case = await get_case(engine, case_id)
    if case.state is CaseState.RESOLVED:
        raise ConflictError(f"case {case.case_id} is already resolved")
    return case


async def acknowledge(engine: AsyncEngine, case_id: str, note: str) -> DriftCase:
    """Someone is on it: the case stays active (it still holds proposals) but shows who looked."""
    case = await _active(engine, case_id)
    async with engine.begin() as conn:
        await CaseStore().set_state(conn, case.case_id, CaseState.ACKNOWLEDGED, note=note)
    return await get_case(engine, case_id)


async def propose(
    engine: AsyncEngine, case_id: str, *, objects: ObjectStore, registry: RegistryClients, submit: bool
) -> tuple[DriftProposal, dict[str, Any] | None]:
    """Infer and check the case's patch from its quarantine; submit it as a drift fix when asked and
    acceptable (through `registry`, which carries the caller's token: the proposal is theirs)."""
    case = await _active(engine, case_id)
    try:
        latest = await registry.resolver.resolve(f"{case.subject}:latest")
        proposal = await build_proposal(
            case, schemas=ResolverSchemas(registry.resolver), objects=objects, latest=latest.fqid
        )
        if not submit or not proposal.acceptable:
            return proposal, None
        answer = await registry.api.propose(case.subject, proposal.patch.schema, covers=(case.case_id,))
    except SchemaFetchError as exc:
        raise UnavailableError(f"registry unreachable: {exc.reason}", code=exc.code) from None
    except (SchemaNotFoundError, ObjectNotFound) as exc:
        raise ConflictError(f"the case's data is gone: {exc}") from None
    except RegistryRequestError as exc:
        raise ConflictError(str(exc)) from None
    except RegistryApiError as exc:
        raise RegistryRefusedError(exc) from None
    except ObjectStoreError as exc:
        raise UnavailableError(f"object store unreachable: {exc}") from None
    return proposal, answer


async def quarantine_sample(
    engine: AsyncEngine, case_id: str, *, objects: ObjectStore, limit: int
) -> tuple[list[QuarantineLine], bool]:
    """The first `limit` quarantined records of the case's runs, with their reasons; and whether more
    remain. Objects are read in run order and only until the sample is full."""
    case = await get_case(engine, case_id)
    sample: list[QuarantineLine] = []
    try:
        for run in case.runs:
            if run.quarantine_uri is None:
                continue
            try:
                data = await objects.get_bytes(run.quarantine_uri)
            except ObjectNotFound:
                continue  # expired or moved: the case still lists the run
            for raw in data.splitlines():
                if not raw.strip():
                    continue
                if len(sample) == limit:
                    return sample, True
                sample.append(QuarantineLine.model_validate_json(raw))
    except ObjectStoreError as exc:
        raise UnavailableError(f"object store unreachable: {exc}") from None
    return sample, False
