"""Distinct id types: a run id is not a pipeline id, even though both are strings."""

from typing import NewType

PipelineId = NewType("PipelineId", str)
RunId = NewType("RunId", str)
EventId = NewType("EventId", str)
ProposalId = NewType("ProposalId", str)
CaseId = NewType("CaseId", str)
Fingerprint = NewType("Fingerprint", str)
