"""The publication gate's rules, as pure functions over a proposal and the subject's open drift cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpenCase:
    case_id: str
    subject: str
    pipeline_id: str
    run_id: str


@dataclass(frozen=True, slots=True)
class ProposalView:
    proposal_id: str
    subject: str
    proposed_fqid: str
    compatible: bool
    level: str
    policy: str
    covers: tuple[str, ...]
    status: str = "pending"


@dataclass(frozen=True, slots=True)
class GateVerdict:
    approve: bool
    reason: str
    blocked_by: tuple[str, ...] = ()


def evaluate(proposal: ProposalView, open_cases: Sequence[OpenCase]) -> GateVerdict:
    """Automatic decision: approve only a compatible proposal on a subject with no open drift case."""
    blocking = tuple(sorted(case.case_id for case in open_cases))
    if blocking:
        uncovered = [case for case in blocking if case not in proposal.covers]
        reason = f"held: open drift case(s) on {proposal.subject}: {', '.join(blocking)}"
        if not uncovered:
            reason += "; this proposal covers them all, so an approver may approve it"
        else:
            reason += f"; not covered by this proposal: {', '.join(uncovered)}"
        return GateVerdict(False, reason, blocking)
    if not proposal.compatible:
        return GateVerdict(
            False,
            f"held: the compatibility verdict is incompatible ({proposal.level}, {proposal.policy}); "
            "an approver decides",
        )
    return GateVerdict(
        True,
        f"no open drift case on {proposal.subject} and compatible ({proposal.level}, {proposal.policy})",
    )


def may_approve(proposal: ProposalView, open_cases: Sequence[OpenCase]) -> tuple[bool, str]:
    """An approver may approve a pending proposal unless an open drift case on its subject is uncovered.

    A drift-fix proposal that covers every open case is how a drift closes (Example B).
    """
    if proposal.status != "pending":
        return False, f"proposal {proposal.proposal_id} is {proposal.status}, not pending"
    uncovered = sorted(case.case_id for case in open_cases if case.case_id not in proposal.covers)
    if uncovered:
        return False, (
            f"blocked: open drift case(s) on {proposal.subject} not covered by proposal "
            f"{proposal.proposal_id}: {', '.join(uncovered)}"
        )
    return True, "allowed"
