"""Clients of the services' operator APIs (httpx, async): what the CLI, the console and the scenarios call.

Light on purpose: httpx and the standard library only, so a command that uses one starts fast.
"""

from schemaline.sdk.operators.base import ServiceClient, ServiceError, ServiceUnreachableError
from schemaline.sdk.operators.dlq import DeadLetterClient
from schemaline.sdk.operators.drift import DriftClient
from schemaline.sdk.operators.governance import GovernanceClient
from schemaline.sdk.operators.lineage import LineageClient

__all__ = [
    "DeadLetterClient",
    "DriftClient",
    "GovernanceClient",
    "LineageClient",
    "ServiceClient",
    "ServiceError",
    "ServiceUnreachableError",
]
