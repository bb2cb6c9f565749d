"""The AWS side of a service's EventBridge → SQS wiring: make it (dev, tests) or check it (production).

With provisioning on, a service makes its bus, queue, DLQ, rule, queue policy and target at start,
idempotently. With it off (`BUS__PROVISION=false`), infrastructure code made them (deploy/aws) and the
service only looks them up: it needs no control-plane rights, changes nothing, and fails at start
with a message naming what is missing instead of waiting on a queue nothing feeds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

DLQ_RETENTION_S = 14 * 24 * 3600  # SQS's maximum: time for an operator to look


class MissingInfrastructureError(RuntimeError):
    """Provisioning is off and a resource the service reads from is not there (or not wired)."""


@dataclass(frozen=True, slots=True)
class ServiceWiring:
    """Names of one service's resources on one bus."""

    bus: str
    queue: str
    dlq: str
    rule: str


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


async def ensure_bus(events: Any, name: str) -> str:
    """The bus's ARN, creating the bus when it does not exist."""
    try:
        return str((await events.describe_event_bus(Name=name))["Arn"])
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
    try:
        return str((await events.create_event_bus(Name=name))["EventBusArn"])
    except ClientError as exc:  # another service made it meanwhile
        if error_code(exc) != "ResourceAlreadyExistsException":
            raise
        return str((await events.describe_event_bus(Name=name))["Arn"])


async def existing_bus(events: Any, name: str) -> str:
    """The bus's ARN; MissingInfrastructureError when it does not exist."""
    try:
        return str((await events.describe_event_bus(Name=name))["Arn"])
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise MissingInfrastructureError(
                f"event bus {name!r} does not exist (BUS__PROVISION=false)"
            ) from None
        raise


async def _ensure_queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    try:
        url = str((await sqs.create_queue(QueueName=name, Attributes=attributes))["QueueUrl"])
    except ClientError as exc:  # it exists with other attributes: bring them up to date
        if error_code(exc) not in {"QueueAlreadyExists", "QueueNameExists"}:
            raise
        url = str((await sqs.get_queue_url(QueueName=name))["QueueUrl"])
        await sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    found = await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, str(found["Attributes"]["QueueArn"])


async def provision(
    events: Any,
    sqs: Any,
    wiring: ServiceWiring,
    keys: Sequence[str],
    *,
    visibility_timeout_s: int,
    max_receive_count: int,
) -> dict[str, str]:
    """Make (or update) the DLQ, the queue with its redrive, the rule, the queue policy and the
    target; return the URLs by queue name."""
    dlq_url, dlq_arn = await _ensure_queue(sqs, wiring.dlq, {"MessageRetentionPeriod": str(DLQ_RETENTION_S)})
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
    queue_url, queue_arn = await _ensure_queue(
        sqs,
        wiring.queue,
        {"VisibilityTimeout": str(visibility_timeout_s), "RedrivePolicy": json.dumps(redrive)},
    )
    urls = {wiring.queue: queue_url, wiring.dlq: dlq_url}
    if not keys:  # EventBridge has no pattern that matches nothing: no rule, an idle queue
        return urls
    rule = await events.put_rule(
        Name=wiring.rule,
        EventBusName=wiring.bus,
        EventPattern=json.dumps({"detail-type": list(keys)}),
        State="ENABLED",
        Description=f"Schemaline: {', '.join(keys)} to {wiring.queue}",
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "schemaline-eventbridge-rule",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule["RuleArn"]}},
            }
        ],
    }
    await sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    await events.put_targets(
        Rule=wiring.rule, EventBusName=wiring.bus, Targets=[{"Id": "sqs", "Arn": queue_arn}]
    )
    return urls


async def _queue_url(sqs: Any, name: str) -> str:
    try:
        return str((await sqs.get_queue_url(QueueName=name))["QueueUrl"])
    except ClientError as exc:
        if error_code(exc) in {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}:
            raise MissingInfrastructureError(
                f"SQS queue {name!r} does not exist (BUS__PROVISION=false)"
            ) from None
        raise


async def verify(events: Any, sqs: Any, wiring: ServiceWiring, keys: Sequence[str]) -> dict[str, str]:
    """Look up the queue and DLQ, and check that the rule routes every detail-type the service
    handles; return the URLs by queue name. Reads only: sqs:GetQueueUrl, events:DescribeRule."""
    urls = {name: await _queue_url(sqs, name) for name in (wiring.queue, wiring.dlq)}
    if not keys:
        return urls
    try:
        rule = await events.describe_rule(Name=wiring.rule, EventBusName=wiring.bus)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise MissingInfrastructureError(
                f"rule {wiring.rule!r} on bus {wiring.bus!r} does not exist (BUS__PROVISION=false)"
            ) from None
        raise
    routed = json.loads(rule.get("EventPattern") or "{}").get("detail-type", [])
    missing = sorted(set(keys) - set(routed))
    if missing:
        raise MissingInfrastructureError(
            f"rule {wiring.rule!r} does not route {', '.join(missing)} to {wiring.queue}: "
            "add them to its event pattern (deploy/aws)"
        )
    return urls
