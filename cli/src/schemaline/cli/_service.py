"""How an operator command reaches its service: URL and token from flags or environment, errors to exits.

Operators hold a token (SCHEMALINE_TOKEN, or --token-file), never a database URL.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from schemaline.cli.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_UNREACHABLE, CliError

if TYPE_CHECKING:
    from schemaline.sdk.operators.base import ServiceClient
    from schemaline.sdk.operators.dlq import DeadLetterClient
    from schemaline.sdk.operators.drift import DriftClient
    from schemaline.sdk.operators.governance import GovernanceClient
    from schemaline.sdk.operators.lineage import LineageClient

TOKEN_ENV = "SCHEMALINE_TOKEN"
# service → (environment variable of its URL, default URL)
ENDPOINTS = {
    "drift": ("SCHEMALINE_DRIFT_URL", "http://127.0.0.1:8085"),
    "governance": ("SCHEMALINE_GOVERNANCE_URL", "http://127.0.0.1:8086"),
    "lineage": ("SCHEMALINE_LINEAGE_URL", "http://127.0.0.1:8087"),
    "registry": ("SCHEMALINE_REGISTRY_URL", "http://127.0.0.1:8081"),
    "validator": ("SCHEMALINE_VALIDATOR_URL", "http://127.0.0.1:8089"),
    "alerts": ("SCHEMALINE_ALERTS_URL", "http://127.0.0.1:8090"),
}

C = TypeVar("C", bound="ServiceClient")
T = TypeVar("T")


def connection_options(service: str) -> argparse.ArgumentParser:
    """--url and --token-file, as a parent parser so they go after the action: `drift list --url …`."""
    env, default = ENDPOINTS[service]
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--url", help=f"the {service} API (default: ${env}, else {default})")
    parent.add_argument(
        "--token-file", type=Path, metavar="FILE", help=f"file holding your token (default: ${TOKEN_ENV})"
    )
    return parent


def _url(args: argparse.Namespace, service: str) -> str:
    env, default = ENDPOINTS[service]
    url: str = args.url or os.environ.get(env) or default
    if not url.startswith(("http://", "https://")):
        raise CliError(f"{url!r} is not an http(s) URL (--url or ${env})", EXIT_BAD_INPUT)
    return url.rstrip("/")


def _token(args: argparse.Namespace) -> str:
    if args.token_file is not None:
        try:
            token = str(args.token_file.read_text(encoding="utf-8")).strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the token file {args.token_file}: {exc}", EXIT_BAD_INPUT) from None
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise CliError(f"no token: set ${TOKEN_ENV} or pass --token-file FILE", EXIT_BAD_INPUT)
    if not token.isascii() or not token.isprintable() or " " in token:
        raise CliError("the token is not a bearer token (printable ASCII, no spaces)", EXIT_BAD_INPUT)
    return token


def _exit_code(status: int) -> int:
    if status == 409:
        return EXIT_FAILED  # the state decides against it: the gate holds, a broken chain, not pending
    if status >= 500:
        return EXIT_UNREACHABLE  # the service, or something it needs, is down
    return EXIT_BAD_INPUT  # 401/403 (token), 404 (no such id), 422 (invalid input)


def _call(
    args: argparse.Namespace,
    service: str,
    client: Callable[..., C],
    action: Callable[[C], Awaitable[T]],
) -> T:
    """Run `action` on a client of `service`; every failure becomes a one-line CliError."""
    import asyncio

    from schemaline.sdk.operators.base import ServiceError, ServiceUnreachableError

    url, token = _url(args, service), _token(args)

    async def go() -> T:
        async with client(url, token=token) as connected:
            return await action(connected)

    try:
        return asyncio.run(go())
    except ServiceUnreachableError as exc:
        raise CliError(str(exc), EXIT_UNREACHABLE) from None
    except ServiceError as exc:
        raise CliError(str(exc), _exit_code(exc.status)) from None


# One entry per service, each importing its client (and so httpx) only when a command runs.


def drift(args: argparse.Namespace, action: Callable[[DriftClient], Awaitable[T]]) -> T:
    from schemaline.sdk.operators.drift import DriftClient

    return _call(args, "drift", DriftClient, action)


def governance(args: argparse.Namespace, action: Callable[[GovernanceClient], Awaitable[T]]) -> T:
    from schemaline.sdk.operators.governance import GovernanceClient

    return _call(args, "governance", GovernanceClient, action)


def lineage(args: argparse.Namespace, action: Callable[[LineageClient], Awaitable[T]]) -> T:
    from schemaline.sdk.operators.lineage import LineageClient

    return _call(args, "lineage", LineageClient, action)


def dead_letters(
    args: argparse.Namespace, service: str, action: Callable[[DeadLetterClient], Awaitable[T]]
) -> T:
    from schemaline.sdk.operators.dlq import DeadLetterClient

    def client(url: str, *, token: str) -> DeadLetterClient:
        made = DeadLetterClient(url, token=token)
        made.service = service
        return made

    return _call(args, service, client, action)
