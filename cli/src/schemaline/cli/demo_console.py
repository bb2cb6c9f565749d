"""`schemaline demo --console`: the console served on a loopback port over the demo's embedded state."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

import uvicorn
from rich.console import Console

from schemaline.cli.stack import EmbeddedStack
from schemaline.runtime.settings import Role


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # Ctrl-C is the demo's: it stops this server, then the stack closes


async def serve_console(stack: EmbeddedStack, out: Console, *, host: str, port: int) -> None:
    """Serve the console until Ctrl-C (or SIGTERM); print where, and a token per role to sign in with."""
    server = _Server(
        uvicorn.Config(
            stack.console.app, host=host, port=port, log_config=None, access_log=False, lifespan="off"
        )
    )
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, lambda: setattr(server, "should_exit", True))
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn only sets a flag
        await asyncio.sleep(0.02)
    if task.done():
        task.result()  # it could not bind: say why
        raise SystemExit(f"the console could not start on {host}:{port}")
    out.rule("Operator console")
    out.print(f"Console: [bold]http://{host}:{server.servers[0].sockets[0].getsockname()[1]}/[/]")
    out.print("Sign in with one of the demo's tokens (they live as long as this process):")
    for role in (Role.RUNNER, Role.PUBLISHER, Role.APPROVER):
        out.print(f"  {role.value:<9} {stack.tokens[role]}", highlight=False, soft_wrap=True)
    out.print("Ctrl-C stops it.")
    await task
