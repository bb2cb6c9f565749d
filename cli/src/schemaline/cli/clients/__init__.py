"""Clients of the services' operator APIs (httpx, async): what the CLI and the scenarios call.

Light on purpose: httpx and the standard library only, so a command that uses one starts fast.
"""

from schemaline.cli.clients.base import ServiceClient, ServiceError, ServiceUnreachableError
from schemaline.cli.clients.drift import DriftClient
from schemaline.cli.clients.governance import GovernanceClient
from schemaline.cli.clients.lineage import LineageClient

__all__ = [
    "DriftClient",
    "GovernanceClient",
    "LineageClient",
    "ServiceClient",
    "ServiceError",
    "ServiceUnreachableError",
]
