"""The EventBridge envelope every Schemaline event travels in, on every bus."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from schemaline.contracts.ids import EventId

SOURCE_PREFIX = "schemaline."


class EventMeta(BaseModel):
    """Trace context and causation, carried inside `detail` because EventBridge drops headers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    traceparent: str | None = Field(
        default=None,
        description="W3C trace context of the span that published the event",
        examples=["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
    )
    tracestate: str | None = Field(default=None, description="W3C tracestate, if any")
    correlation_id: str | None = Field(
        default=None,
        description="Groups the events of one piece of work: the run id where there is one",
        examples=["jr-2a8bc9a1b1"],
    )
    causation_id: str | None = Field(
        default=None,
        description="Id of the event whose handling published this one",
        examples=["5f0c8f4e-3d2b-4f1e-9c7a-1b2c3d4e5f60"],
    )
    event_id: str | None = Field(
        default=None,
        description="The envelope's own `id`, carried here on buses that assign their own "
        "(EventBridge); the transport puts it back on delivery and clears this field",
        examples=["5f0c8f4e-3d2b-4f1e-9c7a-1b2c3d4e5f60"],
    )
    replay_name: str | None = Field(
        default=None,
        description="The envelope's `replay-name`, carried here because a PutEvents entry has no "
        "such field; the transport puts it back on delivery and clears this field",
        examples=["INC-42"],
    )


class EventDetail(BaseModel):
    """Base of every event model: frozen, strict about unknown fields, with its detail-type."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    DETAIL_TYPE: ClassVar[str]

    meta: EventMeta = Field(default_factory=EventMeta, description="Trace context, correlation and causation")

    def correlation(self) -> str | None:
        """The correlation id this event should carry when none is set (its run id, if it has one)."""
        run_id = getattr(self, "run_id", None)
        return str(run_id) if run_id is not None else None


D = TypeVar("D", bound=EventDetail)


def _new_id() -> EventId:
    return EventId(str(uuid.uuid4()))


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[D]):
    """An EventBridge event: the standard top-level fields around a typed `detail`."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    version: str = Field(default="0", description="EventBridge envelope version")
    id: EventId = Field(default_factory=_new_id, description="Unique event id; consumers dedupe on it")
    detail_type: str = Field(alias="detail-type", description="Event name", examples=["SchemaValidated"])
    source: str = Field(description="Publishing service", examples=["schemaline.validator"])
    account: str = Field(default="000000000000", description="AWS account id")
    time: datetime = Field(default_factory=_now, description="When the event was created (UTC)")
    region: str = Field(default="eu-west-1", description="AWS region")
    resources: tuple[str, ...] = Field(
        default=(), description="ARNs or URIs the event is about (e.g. the batch object)"
    )
    detail: D = Field(description="The event's typed payload")
    replay_name: str | None = Field(
        default=None, alias="replay-name", description="Set on events re-sent by a replay"
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict with EventBridge's field names."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def with_meta(self, **changes: str | None) -> Envelope[D]:
        meta = self.detail.meta.model_copy(update=changes)
        detail = self.detail.model_copy(update={"meta": meta})
        return self.model_copy(update={"detail": detail})


def new_envelope(
    detail: D,
    *,
    source: str,
    cause: Envelope[Any] | None = None,
    resources: tuple[str, ...] = (),
    extra_meta: Mapping[str, str] | None = None,
    event_id: EventId | None = None,
) -> Envelope[D]:
    """Wrap an event, carrying correlation and causation forward from the event that caused it.

    Pass `event_id=derived_id(cause.id, purpose)` when a handler may run again for the same cause:
    the re-published event then has the same id, and consumers drop it as a duplicate.
    """
    meta = detail.meta
    correlation = meta.correlation_id or detail.correlation()
    if correlation is None and cause is not None:
        correlation = cause.detail.meta.correlation_id
    updates: dict[str, str | None] = {"correlation_id": correlation}
    if cause is not None and meta.causation_id is None:
        updates["causation_id"] = cause.id
    if extra_meta:
        updates.update(extra_meta)
    detail = detail.model_copy(update={"meta": meta.model_copy(update=updates)})
    if not source.startswith(SOURCE_PREFIX):
        source = SOURCE_PREFIX + source
    # Parametrise by the concrete class so pydantic serialises every field of the subclass.
    envelope_type: type[Envelope[D]] = Envelope[type(detail)]  # type: ignore[misc, assignment]
    envelope = envelope_type(
        detail_type=detail.DETAIL_TYPE, source=source, resources=resources, detail=detail
    )
    return envelope if event_id is None else envelope.model_copy(update={"id": event_id})


def derived_id(cause_id: str, purpose: str) -> EventId:
    """A stable event id for the event published because of `cause_id`, for `purpose`."""
    return EventId(str(uuid.uuid5(uuid.NAMESPACE_URL, f"schemaline:{cause_id}:{purpose}")))
