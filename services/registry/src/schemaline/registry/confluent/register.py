"""Registration through the Confluent API: every registration is a Schemaline proposal.

- A subject no stage contract binds behaves as in Confluent: the candidate passes the same
  compatibility check as any proposal, then the registry decides it at once (the gate would: it
  approves every compatible proposal of a subject without open drift cases, and drift is only
  detected on batches of a bound stage). The version is published, `SchemaPublished` goes out, and
  the global id is the answer.
- A subject a stage contract binds is governed: the proposal goes to the governance gate
  (`SchemaProposed`) and the call waits up to `gate_wait_s` for the decision. Published: the id.
  Rejected: 409. Still pending (an approver must decide): 42205, naming the proposal; registering
  the same schema again once it is published answers its id.
- The subject's mode must be READWRITE.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace

from schemaline.contracts import Fingerprint, Fqid, ProposalId, SchemaPublished, Subject, new_envelope
from schemaline.registry import service
from schemaline.registry.compat import Candidate, assess, parse_candidate
from schemaline.registry.confluent import errors
from schemaline.registry.confluent.configuration import require_writable
from schemaline.registry.confluent.requests import SchemaIn
from schemaline.registry.confluent.store import content_key
from schemaline.registry.errors import IncompatibleError, InvalidSchemaError
from schemaline.registry.model import Proposal, ProposalState, Reference, SchemaVersion
from schemaline.registry.repository import Tx
from schemaline.registry.service import SOURCE, Registry

POLL_S = 0.05


async def bound_subjects(tx: Tx) -> set[Subject]:
    """Subjects that a current stage contract binds."""
    return {
        revision.contract.schema_selector.subject
        for revision in await tx.latest_contracts(None)
        if revision.contract is not None
    }


async def _check_references(tx: Tx, references: Sequence[Reference]) -> None:
    for reference in references:
        if await tx.confluent.version(reference.subject, reference.version, deleted=False) is None:
            raise errors.invalid_schema(
                f"reference {reference.name!r} names {reference.subject} version {reference.version}, "
                "which does not exist"
            )


async def _existing_id(tx: Tx, subject: Subject, key: str) -> int | None:
    """The id of this content in the subject, bringing a deleted version back as Confluent does."""
    found = await tx.confluent.by_content(subject, key)
    if found is not None:
        if found.deleted:
            await tx.confluent.set_deleted(found.fqid, False)
        return found.schema_id
    forgotten = await tx.confluent.unnumbered(subject, key)
    if forgotten is not None:
        await tx.confluent.renumber(forgotten)
        again = await tx.confluent.by_content(subject, key)
        return again.schema_id if again else None
    return None


async def register(
    registry: Registry, subject: Subject, body: SchemaIn, *, principal: str, gate_wait_s: float
) -> int:
    """The global id of the registered schema (see the module docstring for the two paths)."""
    try:
        candidate = await asyncio.to_thread(parse_candidate, body.document())
    except InvalidSchemaError as exc:
        raise errors.invalid_schema(f"{exc.message} (at {exc.pointer or '/'})") from None
    references = body.parsed_references()
    key = content_key(candidate.normalized, references)
    async with registry.repo.transaction() as tx:
        await require_writable(tx, subject)
        await _check_references(tx, references)
        existing = await _existing_id(tx, subject, key)
        if existing is not None:
            return existing
        governed = subject in await bound_subjects(tx)
        if governed and references:
            raise errors.not_permitted(
                f"{subject} is bound by a stage contract: its schemas must be self-contained (no "
                "references), because pipeline stages validate them offline"
            )
        if not governed:
            if references:
                # The version's fingerprint names its content: the schema and its references.
                bundle = await tx.confluent.bundle(candidate.normalized, references)
                candidate = replace(candidate, fingerprint=Fingerprint(key), bundle=json.loads(bundle))
            schema_id = await _publish_now(registry, tx, subject, candidate, references, principal)
    if not governed:
        registry.notify_outbox()
        return schema_id
    return await _through_the_gate(registry, subject, body, key, principal, gate_wait_s)


async def _publish_now(
    registry: Registry,
    tx: Tx,
    subject: Subject,
    candidate: Candidate,
    references: tuple[Reference, ...],
    principal: str,
) -> int:
    await tx.ensure_subject(subject, registry.now())
    await tx.lock_subject(subject)
    config = await registry.config_of(tx, subject)
    history = await tx.versions(subject)
    assessment = await asyncio.to_thread(assess, registry.checker, candidate, history, config)
    if assessment.blocks:
        raise errors.incompatible(
            str(subject),
            IncompatibleError(
                f"{subject}: the candidate breaks {config.level.value}/{config.policy.value} compatibility",
                assessment.changes,
            ),
        )
    now = registry.now()
    fqid = Fqid(subject, assessment.next_version)
    proposal = Proposal(
        id=ProposalId(str(uuid.uuid4())),
        subject=subject,
        proposed=fqid.version,
        base=assessment.base.fqid.version if assessment.base else None,
        fingerprint=candidate.fingerprint,
        schema_text=candidate.normalized,
        state=ProposalState.PUBLISHED,
        level=config.level,
        policy=config.policy,
        changes=assessment.changes,
        covers=(),
        proposed_by=principal,
        created_at=now,
        decided_at=now,
        decided_by=SOURCE,
        reason="direct registration (Confluent API): no stage contract binds the subject",
        published=fqid.version,
        references=references,
    )
    await tx.insert_proposal(proposal)
    await tx.insert_version(
        SchemaVersion(fqid, candidate.fingerprint, candidate.normalized, False, now, proposal.id,
                      references=references)
    )  # fmt: skip
    published = SchemaPublished(
        fqid=fqid,
        fingerprint=candidate.fingerprint,
        previous_fqid=assessment.base.fqid if assessment.base else None,
        proposal_id=proposal.id,
        published_at=now,
    )
    await tx.enqueue([new_envelope(published, source=SOURCE)])
    found = await tx.confluent.by_content(subject, content_key(candidate.normalized, references))
    assert found is not None
    return found.schema_id


async def _through_the_gate(
    registry: Registry, subject: Subject, body: SchemaIn, key: str, principal: str, wait_s: float
) -> int:
    try:
        outcome = await service.propose(registry, subject, body.document(), proposed_by=principal)
    except IncompatibleError as exc:
        raise errors.incompatible(str(subject), exc) from None
    if outcome.proposal is None:  # identical content was published meanwhile
        return await _id_once_published(registry, subject, key)
    proposal = outcome.proposal
    deadline = time.monotonic() + wait_s
    while proposal.state is ProposalState.PENDING and time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        proposal = await service.get_proposal(registry, proposal.id)
    if proposal.state is ProposalState.PUBLISHED:
        return await _id_once_published(registry, subject, key)
    if proposal.state is ProposalState.REJECTED:
        raise errors.ConfluentError(
            409,
            409,
            f"proposal {proposal.id} for {subject} was rejected by the governance gate: {proposal.reason}",
        )
    raise errors.not_permitted(
        f"{subject} is bound by a stage contract: proposal {proposal.id} ({proposal.proposed_fqid}) awaits "
        "the governance gate; register the same schema again once it is published to get its id"
    )


async def _id_once_published(registry: Registry, subject: Subject, key: str) -> int:
    async with registry.repo.transaction() as tx:
        found = await _existing_id(tx, subject, key)
    if found is None:
        raise errors.schema_not_found(f"the schema was published but has no id in {subject}")
    return found
