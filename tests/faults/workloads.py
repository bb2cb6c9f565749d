"""What the fault suite sends each stateful service, what that service needs running first, and how
the test counts the effects of what it sent.

A `Workload` makes the n-th event of a test for its service and answers, for a list of event ids,
(effects, distinct events they belong to): lost = sent − distinct, duplicated = effects − distinct.
Services whose effects are rows of their own database count them in SQL (stack.EFFECTS); the
validator keeps none per batch, so its verdicts are counted as they are published; the alerts
service's notices are counted where they arrive, on a webhook served by the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from schemaline.alerts.incidents import failure_incident
from schemaline.contracts import (
    Envelope,
    Fqid,
    PipelineFailed,
    PipelineId,
    ProposalId,
    SchemaApproved,
    SchemaDriftDetected,
    Subject,
    new_envelope,
)
from schemaline.pipelines.seed import seed_contracts, seed_schema
from schemaline.runtime.bus import EventBus, RabbitMQTransport
from schemaline.sdk.registry_api import RegistryApi
from tests.e2e.process_stack import free_port
from tests.faults.stack import ServiceProcess, landed, publisher, service_process
from tests.support.invoices import invoice, jsonl
from tests.support.webhook import Webhook, webhook_receiver

VERDICTS = ("SchemaValidated", "SchemaDriftDetected", "PipelineFailed")


class Workload:
    """Lineage writer and governance: each `BatchLanded` has one effect in the service's database."""

    consumes = "BatchLanded"  # the detail-type it is sent (poison messages are routed by it)

    def __init__(self, service: str) -> None:
        self.service = service
        self._target: ServiceProcess | None = None

    @contextlib.asynccontextmanager
    async def needs(self, workdir: Path) -> AsyncIterator[dict[str, str]]:
        """Start what the service needs first; yield the settings that point it there."""
        yield {}

    @contextlib.asynccontextmanager
    async def serving(self, target: ServiceProcess) -> AsyncIterator[None]:
        """The service runs: count its effects from now on."""
        self._target = target
        yield

    async def events(self, tag: str, count: int) -> list[Envelope[Any]]:
        return [landed(tag, n) for n in range(count)]

    async def effects(self, ids: Sequence[str]) -> tuple[int, int]:
        """(effects, distinct events they belong to) of these event ids."""
        assert self._target is not None, "serving() first"
        return await self._target.effects(list(ids))

    async def handled(self, ids: Sequence[str]) -> int:
        """How many of these events the service has handled: when a fault strikes mid-backlog."""
        return (await self.effects(ids))[1]

    def note(self) -> str:
        """What else the figures should say about this service's run."""
        return ""


class Detections(Workload):
    """The drift detector, sent shape drift: each detection opens a case of its own (its own
    pointer), named after the detection, whose `detections` counter a second handling would raise.

    Handling a detection never calls the registry: REGISTRY__URL names a port nobody listens on.
    """

    consumes = "SchemaDriftDetected"

    def __init__(self) -> None:
        super().__init__("drift_detector")

    @contextlib.asynccontextmanager
    async def needs(self, workdir: Path) -> AsyncIterator[dict[str, str]]:
        yield {"REGISTRY__URL": f"http://127.0.0.1:{free_port()}", "OBJECTS__ROOT": str(workdir / "objects")}

    async def events(self, tag: str, count: int) -> list[Envelope[Any]]:
        return [new_envelope(self._detection(tag, n), source="fault-suite") for n in range(count)]

    @staticmethod
    def _detection(tag: str, n: int) -> SchemaDriftDetected:
        return SchemaDriftDetected.model_validate(
            {
                "pipeline_id": "finance_raw_ingest",
                "run_id": f"jr-{tag}-{n:06d}",
                "layer": "raw",
                "schema_fqid": "finance.raw.invoice:v1.0",
                "fields": [{"pointer": f"/{tag}_{n}", "kind": "unexpected_field", "records": 1}],
                "object_uri": f"s3://warehouse/raw/invoice/{tag}/{n}.jsonl",
                "record_count": 10,
                "drifted_count": 1,
            }
        )


class Approvals(Workload):
    """The registry, sent governance's approvals of pending proposals, each on a subject of its own:
    each publishes one version and stages one `SchemaPublished` in its outbox. The proposals are made
    first through its REST API, as a publisher does."""

    consumes = "SchemaApproved"

    def __init__(self) -> None:
        super().__init__("registry")
        self.port = free_port()
        self.token = secrets.token_urlsafe(24)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextlib.asynccontextmanager
    async def needs(self, workdir: Path) -> AsyncIterator[dict[str, str]]:
        yield {
            "HTTP__PORT": str(self.port),
            "HTTP__RATE_PER_S": "10000",
            "HTTP__BURST": "10000",
            "AUTH__TOKENS": json.dumps([{"name": "fault-suite", "role": "publisher", "token": self.token}]),
            "OUTBOX__POLL_INTERVAL_S": "0.1",
        }

    @contextlib.asynccontextmanager
    async def serving(self, target: ServiceProcess) -> AsyncIterator[None]:
        async with super().serving(target), httpx.AsyncClient(base_url=self.url) as probe:
            async with asyncio.timeout(30):
                while True:  # the heartbeat says the consumers run; the API may start a moment later
                    with contextlib.suppress(httpx.TransportError):
                        if (await probe.get("/api/v1/ready")).status_code == 200:
                            break
                    await asyncio.sleep(0.05)
            yield

    async def events(self, tag: str, count: int) -> list[Envelope[Any]]:
        schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
        subjects = [Subject.parse(f"fault.raw.{tag.replace('-', '_')}_{n}") for n in range(count)]
        return await self.approvals([(subject, schema) for subject in subjects])

    async def approvals(self, proposals: Sequence[tuple[Subject, Any]]) -> list[Envelope[Any]]:
        """Propose each (subject, schema) through the API; governance's approval of each."""
        limit = asyncio.Semaphore(8)
        async with RegistryApi(self.url, token=self.token, timeout_s=60) as api:

            async def approval(subject: Subject, schema: Any) -> Envelope[Any]:
                async with limit:
                    answer = await api.propose(subject, schema)
                detail = SchemaApproved(
                    proposal_id=ProposalId(answer["proposal"]["id"]),
                    subject=subject,
                    proposed_fqid=Fqid.parse(answer["fqid"]),
                    approved_by="fault-suite",
                    reason="approved by the fault suite",
                )
                return new_envelope(detail, source="fault-suite")

            return list(await asyncio.gather(*(approval(s, schema) for s, schema in proposals)))


class Verdicts(Workload):
    """The validator, sent landed batches of ten valid raw invoices (local object store): each gets
    one verdict, whose id derives from the batch's. A registry process serves the schema and the
    stage's contract. The verdicts are counted on a queue of the test's own; a verdict delivered
    again with the same id (at-least-once, which consumers skip) is a re-send, not a duplicate."""

    def __init__(self) -> None:
        super().__init__("validator")
        self.registry = Approvals()
        self.objects: Path | None = None
        self._by_cause: dict[str, set[str]] = defaultdict(set)
        self._deliveries = 0
        self._kinds: Counter[str] = Counter()

    @contextlib.asynccontextmanager
    async def needs(self, workdir: Path) -> AsyncIterator[dict[str, str]]:
        self.objects = workdir / "objects"
        registry_dir = workdir / "registry"
        registry_dir.mkdir()
        async with (
            self.registry.needs(registry_dir) as settings,
            service_process("registry", registry_dir, **settings) as registry,
            self.registry.serving(registry),
        ):
            await self._seed(registry)
            yield {
                "REGISTRY__URL": self.registry.url,
                "REGISTRY__TOKEN": self.registry.token,
                "OBJECTS__ROOT": str(self.objects),
            }

    async def _seed(self, registry: ServiceProcess) -> None:
        """finance.raw.invoice:v1.0 published (proposed, then approved) and its stage's contract."""
        fqid = Fqid.parse("finance.raw.invoice:v1.0")
        approvals = await self.registry.approvals([(fqid.subject, seed_schema(fqid))])
        bus = await publisher(registry)
        try:
            await bus.publish_many(approvals)
        finally:
            await bus.close()
        async with asyncio.timeout(60):
            while (await self.registry.effects([approvals[0].id]))[1] < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
        async with RegistryApi(self.registry.url, token=self.registry.token) as api:
            await api.put_contract(seed_contracts()[PipelineId("finance_raw_ingest")])

    @contextlib.asynccontextmanager
    async def serving(self, target: ServiceProcess) -> AsyncIterator[None]:
        transport = target.transport()
        observer = EventBus(transport, recent_ids=0)  # every delivery, re-sends included
        observer.subscribe("fault_observer", VERDICTS, self._record)
        await observer.start()
        try:
            yield
        finally:
            assert isinstance(transport, RabbitMQTransport)
            with contextlib.suppress(Exception):
                await transport.delete(["fault_observer"])
            await observer.close()

    async def _record(self, verdict: Envelope[Any]) -> None:
        cause = verdict.detail.meta.causation_id
        assert cause is not None
        self._deliveries += 1
        if verdict.id not in self._by_cause[cause]:
            self._kinds[verdict.detail_type] += 1
        self._by_cause[cause].add(verdict.id)

    async def events(self, tag: str, count: int) -> list[Envelope[Any]]:
        assert self.objects is not None, "needs() first"
        batch = jsonl(invoice(i) for i in range(10))
        events = [landed(tag, n) for n in range(count)]
        for event in events:
            path = self.objects / event.detail.object_uri.removeprefix("s3://")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(batch)
        return events

    async def effects(self, ids: Sequence[str]) -> tuple[int, int]:
        verdicts = [self._by_cause[i] for i in ids if i in self._by_cause]
        return sum(len(v) for v in verdicts), len(verdicts)

    def note(self) -> str:
        distinct = sum(len(v) for v in self._by_cause.values())
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self._kinds.items()))
        return f"verdicts: {kinds}; {self._deliveries - distinct} re-sent with the same id"


class Notices(Workload):
    """The alerts service, sent `PipelineFailed` of a failed run each: each opens an incident of its
    own, whose alert is delivered to a Slack-compatible webhook served by the test. Notices are
    counted where they arrive, by incident and delivery (the payload names both); an incident's
    `occurrences` in its database would count an event handled twice. The same delivery received
    again (sent, then the process killed before it was marked: at least once) is a re-send, counted
    apart. Reminders are a day away, so any second delivery for an incident is a duplicate."""

    consumes = "PipelineFailed"

    def __init__(self) -> None:
        super().__init__("alerts")
        self._incidents: dict[str, str] = {}  # event id -> the key of the incident it opens
        self._hook: Webhook | None = None

    @contextlib.asynccontextmanager
    async def needs(self, workdir: Path) -> AsyncIterator[dict[str, str]]:
        with webhook_receiver() as hook:
            self._hook = hook
            yield {
                "WEBHOOK__URL": hook.url,
                "REMINDER_AFTER_S": "86400",
                "DELIVERY__POLL_INTERVAL_S": "0.1",
                "DELIVERY__BATCH_SIZE": "200",
                # A notice claimed when the process is killed waits out its lease (120 s by default).
                "DELIVERY__LEASE_S": "3",
            }

    async def events(self, tag: str, count: int) -> list[Envelope[Any]]:
        events = [new_envelope(self._failure(tag, n), source="fault-suite") for n in range(count)]
        for event in events:
            self._incidents[event.id] = failure_incident(event.detail, event.id, frozenset()).key
        return events

    @staticmethod
    def _failure(tag: str, n: int) -> PipelineFailed:
        return PipelineFailed.model_validate(
            {
                "pipeline_id": "finance_raw_ingest",
                "run_id": f"jr-{tag}-{n:06d}",
                "layer": "raw",
                "code": "PIPE-1002",
                "message": f"payload at /records/{n}/amount: must be a number",
                "component": "glue:raw",
            }
        )

    def _delivered(self) -> dict[str, set[str]]:
        """The deliveries received, by incident."""
        assert self._hook is not None, "needs() first"
        by_incident: dict[str, set[str]] = defaultdict(set)
        for payload in list(self._hook.received):
            names = payload["metadata"]["event_payload"]
            by_incident[names["incident"]].add(names["delivery"])
        return by_incident

    async def effects(self, ids: Sequence[str]) -> tuple[int, int]:
        """Notices delivered, plus occurrences beyond the first on their incidents; incidents notified."""
        delivered = self._delivered()
        keys = [self._incidents[i] for i in ids]
        notices = [delivered[key] for key in keys if key in delivered]
        occurrences, incidents = await super().effects(keys)
        return sum(len(n) for n in notices) + occurrences - incidents, len(notices)

    async def handled(self, ids: Sequence[str]) -> int:
        """Incidents opened: delivery lags handling, so a fault timed by notices would miss it."""
        return (await super().effects([self._incidents[i] for i in ids]))[1]

    def note(self) -> str:
        assert self._hook is not None, "needs() first"
        resent = len(self._hook.received) - sum(len(d) for d in self._delivered().values())
        return f"{resent} notice(s) re-sent with the same delivery"


# A fresh workload for each service, per test (a workload holds the state of one test).
WORKLOADS: Mapping[str, Callable[[], Workload]] = {
    "lineage_writer": partial(Workload, "lineage_writer"),
    "governance": partial(Workload, "governance"),
    "registry": Approvals,
    "validator": Verdicts,
    "drift_detector": Detections,
    "alerts": Notices,
}
