"""Ops alerts: one notification per incident on SNS and the webhook, across restarts; reminders,
escalation, and retries that never lose a notice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from schemaline.alerts.settings import AlertsSettings
from schemaline.alerts.tables import deliveries
from schemaline.contracts import (
    DriftResolved,
    Envelope,
    FieldDriftKind,
    PipelineFailed,
    SchemaDriftDetected,
    SchemaValidated,
    new_envelope,
)
from schemaline.runtime.bus import EventBus
from tests.support.webhook import Webhook

from .conftest import Alerts, Topic

pytestmark = pytest.mark.moto


def drift(run: str, pointer: str = "/invoice_region_code") -> Envelope[SchemaDriftDetected]:
    detail = SchemaDriftDetected.model_validate(
        {
            "pipeline_id": "finance_gdp_transform",
            "run_id": run,
            "layer": "gdp",
            "schema_fqid": "finance.gdp.invoice:v1.1",
            "fields": [{"pointer": pointer, "kind": FieldDriftKind.UNEXPECTED, "records": 8}],
            "object_uri": f"s3://warehouse/gdp/invoice/{run}.jsonl",
            "record_count": 24,
            "drifted_count": 8,
            "quarantine_uri": f"s3://warehouse/quarantine/{run}.jsonl",
        }
    )
    return new_envelope(detail, source="validator")


def failed(
    run: str, code: str = "PIPE-1002", pipeline: str = "finance_raw_ingest"
) -> Envelope[PipelineFailed]:
    detail = PipelineFailed.model_validate(
        {
            "pipeline_id": "finance_raw_ingest",
            "run_id": run,
            "layer": "raw",
            "code": code,
            "message": "payload at /records/3/amount: must be a number",
            "component": "glue:raw",
        }
    )
    return new_envelope(detail, source="glue")


def _texts(webhook: Webhook) -> list[str]:
    return [str(message["text"]) for message in webhook.received]


def _subjects(topic: Topic) -> list[str]:
    return [str(message["Subject"]) for message in topic.messages()]


async def test_a_drift_and_a_failure_each_alert_once_on_sns_and_the_webhook_across_a_restart(
    alerts: Alerts, topic: Topic, webhook: Webhook
) -> None:
    first = drift("jr-1")
    async with alerts.running() as running:
        await alerts.publish(running, first)
        await alerts.publish(running, failed("jr-9"))
        await alerts.publish(running, drift("jr-2"))  # the same drift case again: no new alert
        await alerts.settled(running)
    async with alerts.running() as running:  # a restart: what it knew is in its database
        await alerts.publish(running, drift("jr-3"))
        await EventBus(alerts.transport).publish(first)  # a redelivery of the first event
        await alerts.publish(running, failed("jr-9"))  # the same failed run, another event
        await alerts.settled(running)

    assert _subjects(topic) == [
        "Schema drift on finance.gdp.invoice: /invoice_region_code",
        "PIPE-1002 Validation failed in finance_raw_ingest",
    ]
    drift_text, failure_text = _texts(webhook)
    assert drift_text.startswith("*Schema drift on finance.gdp.invoice: /invoice_region_code*")
    assert "s3://warehouse/quarantine/jr-1.jsonl" in drift_text
    assert "PIPE-1204" in drift_text
    assert "jr-9" in failure_text
    assert "Inspect envelope/payload errors" in failure_text
    assert "<!channel>" not in failure_text


@pytest.mark.parametrize("code", ["PIPE-1103", "PIPE-1402"])
async def test_incompatible_schema_and_metadata_sync_failures_are_escalated(
    alerts: Alerts, topic: Topic, webhook: Webhook, code: str
) -> None:
    async with alerts.running() as running:
        await alerts.publish(running, failed("jr-5", code))
        await alerts.settled(running)
    [text] = _texts(webhook)
    assert text.startswith(f"<!channel> *ESCALATION: {code}")
    [message] = topic.messages()
    assert message["Subject"].startswith(f"ESCALATION: {code}")
    assert message["MessageAttributes"]["severity"]["Value"] == "critical"


async def test_an_open_incident_is_reminded_after_the_quiet_period_until_resolved(
    alerts: Alerts, topic: Topic, webhook: Webhook
) -> None:
    opened = drift("jr-1")
    async with alerts.running() as running:
        await alerts.publish(running, opened)
        await alerts.settled(running)
        alerts.clock.advance(minutes=59)
        await running.deps.deliverer.round()
        assert len(webhook.received) == 1, "still within the quiet period"
        alerts.clock.advance(minutes=2)
        await running.deps.deliverer.round()
        await alerts.settled(running)
        assert len(webhook.received) == 2
        assert _texts(webhook)[1].startswith("*Reminder (still open, seen 1×): Schema drift")
        # The drift case (named after the detection that opened it) is resolved: no more reminders.
        resolved = DriftResolved.model_validate(
            {
                "case_id": opened.id,
                "subject": "finance.gdp.invoice",
                "fqid": "finance.gdp.invoice:v1.2",
                "pipeline_id": "finance_gdp_transform",
                "original_run_id": "jr-1",
                "rerun_id": "jr-1.rerun.v1.2",
                "records_rerun": 8,
            }
        )
        await alerts.publish(running, new_envelope(resolved, source="drift_detector"))
        alerts.clock.advance(hours=5)
        await running.deps.deliverer.round()
        await alerts.settled(running)
    assert len(webhook.received) == 2
    assert [m["Subject"][:8] for m in topic.messages()] == ["Schema d", "Reminder"]


async def test_a_failed_run_is_no_longer_reminded_once_its_pipeline_passes(
    alerts: Alerts, webhook: Webhook
) -> None:
    async with alerts.running() as running:
        await alerts.publish(running, failed("jr-7"))
        passed = SchemaValidated.model_validate(
            {
                "pipeline_id": "finance_raw_ingest",
                "run_id": "jr-8",
                "layer": "raw",
                "schema_fqid": "finance.raw.invoice:v1.0",
                "object_uri": "s3://warehouse/raw/invoice/jr-8.jsonl",
                "record_count": 24,
                "valid_count": 24,
                "validation_ms": 3.5,
            }
        )
        await alerts.publish(running, new_envelope(passed, source="validator"))
        alerts.clock.advance(hours=2)
        await running.deps.deliverer.round()
        await alerts.settled(running)
    assert len(webhook.received) == 1


async def test_a_failed_delivery_is_retried_and_never_lost(
    alerts: Alerts, topic: Topic, webhook: Webhook
) -> None:
    webhook.fail_next = 2
    async with alerts.running() as running:
        await alerts.publish(running, failed("jr-1"))
        for _ in range(3):  # each round tries what is due; the clock moves past each backoff
            await running.deps.deliverer.round()
            alerts.clock.advance(seconds=1)
        await alerts.settled(running)
        assert running.engine is not None
        async with running.engine.connect() as conn:
            rows = {row.channel: row for row in await conn.execute(select(deliveries))}
    [payload] = webhook.received
    assert payload["metadata"]["event_payload"] == {
        "incident": "failure:finance_raw_ingest:jr-1",
        "delivery": rows["webhook"].delivery_id,  # a receiver can drop a notice sent again
    }
    assert rows["webhook"].attempts == 3
    assert rows["sns"].attempts == 1
    assert len(topic.messages()) == 1


def test_an_empty_webhook_url_means_no_webhook(monkeypatch: pytest.MonkeyPatch) -> None:
    # compose passes ${ALERTS_WEBHOOK_URL:-}: left empty in .env, no webhook channel is opened.
    monkeypatch.setenv("SCHEMALINE_ALERTS_WEBHOOK__URL", "")
    assert AlertsSettings().webhook.url is None
    monkeypatch.setenv("SCHEMALINE_ALERTS_WEBHOOK__URL", "https://hooks.example/T1")
    url = AlertsSettings().webhook.url
    assert url is not None
    assert url.get_secret_value() == "https://hooks.example/T1"
