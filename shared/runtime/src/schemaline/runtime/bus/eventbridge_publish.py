"""PutEvents in chunks EventBridge accepts, resending only the entries it reports as failed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from schemaline.runtime.bus.eventbridge_wire import entry_size

MAX_ENTRIES = 10  # EventBridge's limit per PutEvents call
MAX_REQUEST_BYTES = 1024 * 1024  # and its limit on the entries' total size per call
# Entry errors that resending cannot fix: the entry itself, or the caller's rights, are wrong.
PERMANENT_ERRORS = frozenset(
    {
        "MalformedDetail",
        "InvalidArgument",
        "AccessDeniedException",
        "NotAuthorizedForSourceException",
        "NotAuthorizedForDetailTypeException",
    }
)

Entry = dict[str, Any]


class EventsClient(Protocol):
    """The part of the EventBridge client this module uses (aiobotocore's, or a test fake)."""

    async def put_events(self, *, Entries: list[Entry]) -> dict[str, Any]: ...  # noqa: N803


@dataclass(frozen=True, slots=True)
class ResendPolicy:
    """How often, and how patiently, entries that EventBridge failed are sent again."""

    attempts: int = 5
    backoff_s: float = 0.05
    max_backoff_s: float = 2.0

    def delay(self, attempt: int) -> float:
        return float(min(self.max_backoff_s, self.backoff_s * (2 ** (attempt - 1))))


@dataclass(frozen=True, slots=True)
class FailedEntry:
    entry: Entry
    code: str
    message: str


class PutEventsError(RuntimeError):
    """Some entries were not accepted; the others were (delivery is at least once: resend all)."""

    def __init__(self, failures: Sequence[FailedEntry]) -> None:
        self.failures = list(failures)
        codes = sorted({failure.code for failure in failures})
        first = failures[0]
        super().__init__(
            f"EventBridge rejected {len(failures)} event(s) ({', '.join(codes)}); "
            f"first: {first.entry.get('DetailType')}: {first.message}"
        )


def chunk(
    entries: Sequence[Entry], *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_REQUEST_BYTES
) -> list[list[Entry]]:
    """Consecutive groups of at most `max_entries` entries and `max_bytes` bytes each, in order."""
    chunks: list[list[Entry]] = []
    current: list[Entry] = []
    current_bytes = 0
    for entry in entries:
        size = entry_size(entry)
        if size > max_bytes:
            raise ValueError(
                f"a {entry.get('DetailType')} event of {size} bytes exceeds EventBridge's "
                f"{max_bytes} bytes per call: put the payload in the object store and send its URI"
            )
        if current and (len(current) == max_entries or current_bytes + size > max_bytes):
            chunks.append(current)
            current, current_bytes = [], 0
        current.append(entry)
        current_bytes += size
    if current:
        chunks.append(current)
    return chunks


async def _put_chunk(client: EventsClient, entries: list[Entry], resend: ResendPolicy) -> list[FailedEntry]:
    """Send one chunk; return what still failed after the resends."""
    given_up: list[FailedEntry] = []
    pending = entries
    for attempt in range(1, resend.attempts + 1):
        response = await client.put_events(Entries=pending)
        if not response.get("FailedEntryCount"):
            return given_up
        # Results come back in the order of the request's entries.
        failed = [
            FailedEntry(entry, str(result["ErrorCode"]), str(result.get("ErrorMessage", "")))
            for entry, result in zip(pending, response["Entries"], strict=True)
            if result.get("ErrorCode")
        ]
        given_up.extend(failure for failure in failed if failure.code in PERMANENT_ERRORS)
        retryable = [failure for failure in failed if failure.code not in PERMANENT_ERRORS]
        if not retryable:
            return given_up
        if attempt == resend.attempts:
            return given_up + retryable
        pending = [failure.entry for failure in retryable]
        await asyncio.sleep(resend.delay(attempt))
    return given_up


async def put_events(
    client: EventsClient,
    entries: Sequence[Entry],
    *,
    resend: ResendPolicy = ResendPolicy(),
    max_entries: int = MAX_ENTRIES,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> None:
    """Put every entry on the bus; raise PutEventsError naming those that never got through."""
    chunks = chunk(entries, max_entries=max_entries, max_bytes=max_bytes)
    # Every chunk runs to its end before anything is raised, so no call is left behind unawaited.
    calls = (_put_chunk(client, part, resend) for part in chunks)
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    failures = [failure for result in results if not isinstance(result, BaseException) for failure in result]
    if failures:
        raise PutEventsError(failures)
