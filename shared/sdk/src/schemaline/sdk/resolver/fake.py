"""An in-memory registry behind the fetcher ports: for tests of anything that resolves schemas."""

from __future__ import annotations

import asyncio
import hashlib
import threading

from schemaline.contracts import Fingerprint, Fqid, Selector
from schemaline.sdk.resolver.errors import SchemaFetchError, SchemaNotFoundError
from schemaline.sdk.resolver.model import ResolvedSchema


class InMemoryRegistry:
    """Published versions in a dict, answered as the fetch API does (ETag, 304, 404), or not at all.

    `down = True` makes every fetch fail as an unreachable registry would; `hold()` parks fetches
    until `release()`, so a test can pile up concurrent callers.
    """

    def __init__(self) -> None:
        self.versions: dict[Fqid, ResolvedSchema] = {}
        self.down = False
        self.requests: list[tuple[str, str | None]] = []
        self.not_modified = 0
        self._gate: asyncio.Event | None = None
        self._sync_gate: threading.Event | None = None

    def publish(self, fqid: Fqid | str, schema: object, *, deprecated: bool = False) -> ResolvedSchema:
        exact = fqid if isinstance(fqid, Fqid) else Fqid.parse(fqid)
        digest = hashlib.sha256(f"{exact}|{schema!r}|{deprecated}".encode()).hexdigest()
        fingerprint = Fingerprint(f"sha256:{digest}")
        resolved = ResolvedSchema(exact, fingerprint, schema, deprecated, f'"{fingerprint}"')
        self.versions[exact] = resolved
        return resolved

    def hold(self) -> None:
        self._gate = asyncio.Event()
        self._sync_gate = threading.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
        if self._sync_gate is not None:
            self._sync_gate.set()

    def wait_sync(self) -> None:
        if self._sync_gate is not None:
            self._sync_gate.wait(timeout=10)

    def answer(self, selector: Selector | str, etag: str | None) -> ResolvedSchema | None:
        self.requests.append((str(selector), etag))
        if self.down:
            raise SchemaFetchError(str(selector), "ConnectError: registry unreachable")
        parsed = selector if isinstance(selector, Selector) else Selector.parse(selector)
        matching = sorted(
            (
                v
                for v in self.versions.values()
                if v.fqid.subject == parsed.subject and parsed.matches(v.fqid.version)
            ),
            key=lambda v: v.fqid.version,
        )
        if parsed.kind.value != "exact":
            matching = [v for v in matching if not v.deprecated]
        if not matching:
            raise SchemaNotFoundError(str(selector))
        found = matching[-1]
        if etag is not None and etag == found.etag:
            self.not_modified += 1
            return None
        return found

    async def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None:
        if self._gate is not None:
            await self._gate.wait()
        return self.answer(selector, etag)

    @property
    def sync(self) -> SyncView:
        """This registry behind the synchronous fetcher port."""
        return SyncView(self)


class SyncView:
    def __init__(self, registry: InMemoryRegistry) -> None:
        self.registry = registry

    def fetch(self, selector: Selector | str, etag: str | None = None) -> ResolvedSchema | None:
        self.registry.wait_sync()
        return self.registry.answer(selector, etag)
