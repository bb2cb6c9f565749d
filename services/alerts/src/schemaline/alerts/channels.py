"""Where notices go: an SNS topic, a Slack-compatible webhook. A failed send raises; it is retried."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from schemaline.alerts.store import Notice


class Channel(Protocol):
    name: str

    async def send(self, notice: Notice) -> None: ...


def headline(notice: Notice) -> str:
    prefix = "ESCALATION: " if notice.severity == "critical" else ""
    if notice.notice == "reminder":
        prefix += f"Reminder (still open, seen {notice.occurrences}×): "
    return f"{prefix}{notice.title}"


class SnsChannel:
    name = "sns"

    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    async def send(self, notice: Notice) -> None:
        await self._client.publish(
            TopicArn=self._topic_arn,
            Subject=headline(notice)[:100],  # SNS's limit
            Message=f"{headline(notice)}\n\n{notice.body}",
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": notice.severity},
                "incident": {"DataType": "String", "StringValue": notice.incident_key[:256]},
                "notice": {"DataType": "String", "StringValue": notice.notice},
            },
        )


class WebhookChannel:
    """Slack's incoming-webhook JSON (`text`, mrkdwn); escalations mention the channel. The metadata
    names the incident and the delivery: a notice sent again (at least once) has the same delivery."""

    name = "webhook"

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def send(self, notice: Notice) -> None:
        mention = "<!channel> " if notice.severity == "critical" else ""
        payload = {
            "text": f"{mention}*{headline(notice)}*\n{notice.body}",
            "mrkdwn": True,
            "metadata": {
                "event_type": "schemaline_alert",
                "event_payload": {"incident": notice.incident_key, "delivery": notice.delivery_id},
            },
        }
        answer = await self._client.post(self._url, json=payload)
        answer.raise_for_status()
