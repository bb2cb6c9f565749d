"""Reading and redriving a service's dead letters, one held letter at a time: nothing is ever lost.

A letter is taken (held: invisible to others, back in the DLQ if the holder dies), then either sent
back to the service's queue and only then removed, or — when it is not an event at all — put back at
the end of the DLQ with its reason and removed. Killed at any point, a redrive leaves each letter in
the DLQ, redelivered, or both (a duplicate the idempotent consumers skip); never neither.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from schemaline.contracts import decode
from schemaline.runtime.bus.transport import DeadLetter, HeldLetter, Transport

log = structlog.get_logger("schemaline.dlq")


@dataclass(frozen=True, slots=True)
class RedriveResult:
    republished: int
    kept: int  # not events: left in the DLQ with their reason


async def peek(transport: Transport, service: str, limit: int = 100) -> list[DeadLetter]:
    """Up to `limit` letters, oldest first, all left in the DLQ."""
    held: list[HeldLetter] = []
    try:
        while len(held) < limit and (letter := await transport.take_dead_letter(service)) is not None:
            held.append(letter)
    finally:
        for letter in reversed(held):  # newest back first, so the oldest is at the head again
            await letter.requeue()
    return [letter.letter for letter in held]


async def drain(transport: Transport, service: str) -> list[DeadLetter]:
    """Take every letter out of the DLQ and return them (tests; an operator redrives instead)."""
    letters = []
    while (held := await transport.take_dead_letter(service)) is not None:
        letters.append(held.letter)
        await held.ack()
    return letters


async def redrive(transport: Transport, service: str, *, limit: int | None = None) -> RedriveResult:
    """Send the letters that are events back to the service, one at a time; keep the others.

    At most the letters there when it starts (or `limit`): the kept ones, put back at the end, and
    any that die again meanwhile are not taken a second time.
    """
    budget = await transport.dead_letter_count(service)
    if limit is not None:
        budget = min(budget, limit)
    republished = kept = 0
    for _ in range(budget):
        held = await transport.take_dead_letter(service)
        if held is None:
            break
        try:
            envelope = decode(held.body)
        except Exception as exc:  # not an event: redriving cannot help, so it stays with its reason
            log.warning("dead letter is not an event; kept in the DLQ", service=service, reason=str(exc))
            await transport.dead_letter(service, held, held.letter.reason)
            kept += 1
            continue
        await transport.redeliver(service, held.body, envelope.detail_type, envelope.id)
        await held.ack()
        republished += 1
    log.info("dead letters redriven", service=service, republished=republished, kept=kept)
    return RedriveResult(republished, kept)
