import pytest
import structlog
from pydantic_settings import SettingsConfigDict
from structlog.testing import capture_logs

from schemaline.runtime.bus import EventBus, InMemoryTransport, OutgoingMessage
from schemaline.runtime.logging import add_trace_ids, configure_logging
from schemaline.runtime.settings import ServiceSettings, masked
from schemaline.runtime.telemetry import get_tracer, setup_tracing
from tests.runtime.bus_contract import landed
from tests.support.aio import eventually


class ValidatorSettings(ServiceSettings):
    # Only the prefix: the nested delimiter (and `extra="ignore"`) come from ServiceSettings.
    model_config = SettingsConfigDict(env_prefix="SCHEMALINE_VALIDATOR_")


def test_settings_come_from_the_service_prefix_and_mask_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEMALINE_VALIDATOR_BUS__TRANSPORT", "rabbitmq")
    monkeypatch.setenv("SCHEMALINE_VALIDATOR_BUS__AMQP_URL", "amqp://ops:hunter2@mq:5672/")
    monkeypatch.setenv("SCHEMALINE_VALIDATOR_DATABASE__URL", "postgresql+asyncpg://app:s3cret@db/x")
    monkeypatch.setenv("SCHEMALINE_LINEAGE_BUS__TRANSPORT", "memory")
    settings = ValidatorSettings()
    assert settings.bus.transport == "rabbitmq"
    assert settings.bus.amqp_url.get_secret_value() == "amqp://ops:hunter2@mq:5672/"
    shown = str(masked(settings))
    assert "hunter2" not in shown
    assert "s3cret" not in shown
    assert "rabbitmq" in shown


async def test_consumer_logs_carry_event_id_detail_type_and_run_id() -> None:
    configure_logging("DEBUG", json_logs=False)  # an earlier test may have raised the level
    bus = EventBus(InMemoryTransport())
    done: list[str] = []

    async def handler(envelope: object) -> None:
        structlog.get_logger("test").info("handled")
        done.append("x")

    bus.subscribe("alpha", ["BatchLanded"], handler)
    await bus.start()
    sent = landed(9)
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await bus.transport.publish([OutgoingMessage("BatchLanded", b"garbage", "m-1")])
        await bus.publish(sent)
        await eventually(lambda: done == ["x"], what="handling")
    await bus.close()
    handled = next(line for line in logs if line["event"] == "handled")
    assert handled["event_id"] == sent.id
    assert handled["detail_type"] == "BatchLanded"
    assert handled["run_id"] == "jr-000009"
    dead = next(line for line in logs if line["event"] == "message dead-lettered")
    assert dead["log_level"] == "error"
    assert "not JSON" in dead["reason"]


async def test_log_lines_inside_a_handler_carry_the_publishers_trace_id() -> None:
    tracer = get_tracer(setup_tracing("test"))
    bus = EventBus(InMemoryTransport(), tracer=tracer)
    done: list[str] = []

    async def handler(envelope: object) -> None:
        structlog.get_logger("test").info("handled")
        done.append("x")

    bus.subscribe("alpha", ["BatchLanded"], handler)
    await bus.start()
    with capture_logs(processors=[structlog.contextvars.merge_contextvars, add_trace_ids]) as logs:
        with tracer.start_as_current_span("run") as span:
            await bus.publish(landed(3))
        await eventually(lambda: done == ["x"], what="handling")
    await bus.close()
    handled = next(line for line in logs if line["event"] == "handled")
    assert handled["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert handled["span_id"] != format(span.get_span_context().span_id, "016x"), "the handler's own span"
    assert len(handled["span_id"]) == 16
