"""deploy/aws/schemaline.yaml deployed to a moto server: what it creates is there and wired as the
services and pipelines expect. (Examples A and B then run on it: tests/e2e.)"""

from __future__ import annotations

import ast
import json
import warnings

import pytest

from tests.deploy.cfn import load, resolve
from tests.support.aws_stack import AwsStack

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import parliament

pytestmark = pytest.mark.moto

SERVICES = {
    "registry": ["SchemaApproved", "SchemaRejected"],
    "validator": ["BatchLanded", "SchemaPublished"],
    "drift_detector": ["SchemaDriftDetected", "SchemaPublished", "SchemaValidated"],
    "lineage_writer": [
        "BatchLanded", "DriftResolved", "PipelineFailed",
        "SchemaDriftDetected", "SchemaPublished", "SchemaValidated",
    ],
}  # fmt: skip


def test_the_stack_is_created_with_every_resource_moto_models(aws_stack: AwsStack) -> None:
    assert aws_stack.description["StackStatus"] == "CREATE_COMPLETE"
    cloudformation = aws_stack.client("cloudformation")
    summaries = cloudformation.list_stack_resources(StackName=aws_stack.name)["StackResourceSummaries"]
    expected = set(resolve(aws_stack.parameters).resources())
    # moto 5.2 also lists each resource a false condition left out, with no id and no type.
    named = {r["LogicalResourceId"] for r in summaries if r["LogicalResourceId"]}
    assert named == expected
    assert {r["ResourceStatus"] for r in summaries} == {"CREATE_COMPLETE"}
    assert len(summaries) == len(load()["Resources"])
    left_out = set(resolve().resources()) - expected
    assert {"RawJob", "GdpJob", "KpiJob", "KpiSchedule", "ValidatorQueuePolicy"} <= left_out
    assert {"RerunLauncherRule", "RerunLauncherPermission"} <= left_out  # moto cannot invoke Lambda


def test_each_service_queue_is_fed_by_its_rule_and_redrives_to_its_dlq(aws_stack: AwsStack) -> None:
    sqs, events = aws_stack.client("sqs"), aws_stack.client("events")
    bus, prefix = aws_stack.outputs["EventBusName"], aws_stack.outputs["QueuePrefix"]
    for service, detail_types in SERVICES.items():
        url = sqs.get_queue_url(QueueName=f"{prefix}-{service}")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attributes["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":{prefix}-{service}-dlq")
        assert int(redrive["maxReceiveCount"]) == 10
        rule = events.describe_rule(Name=f"{prefix}-{service}", EventBusName=bus)
        assert sorted(json.loads(rule["EventPattern"])["detail-type"]) == detail_types
        (target,) = events.list_targets_by_rule(Rule=f"{prefix}-{service}", EventBusName=bus)["Targets"]
        assert target["Arn"] == attributes["QueueArn"]


def test_an_event_put_on_the_bus_reaches_the_queues_of_the_services_that_handle_it(
    aws_stack: AwsStack,
) -> None:
    sqs, events = aws_stack.client("sqs"), aws_stack.client("events")
    bus, prefix = aws_stack.outputs["EventBusName"], aws_stack.outputs["QueuePrefix"]
    detail = {"proposal_id": "p-1", "probe": True}
    events.put_events(
        Entries=[
            {
                "EventBusName": bus,
                "Source": "schemaline.test",
                "DetailType": "SchemaApproved",
                "Detail": json.dumps(detail),
            }
        ]
    )
    for service in ("registry", "governance"):
        url = sqs.get_queue_url(QueueName=f"{prefix}-{service}")["QueueUrl"]
        (message,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"]
        assert json.loads(message["Body"])["detail"] == detail
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    for service in ("validator", "lineage_writer"):
        url = sqs.get_queue_url(QueueName=f"{prefix}-{service}")["QueueUrl"]
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        assert not [m for m in messages if json.loads(m["Body"])["detail"] == detail]


def test_buckets_are_encrypted(aws_stack: AwsStack) -> None:
    s3 = aws_stack.client("s3")
    for bucket in (aws_stack.outputs["WarehouseBucket"], aws_stack.outputs["QuarantineBucket"]):
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    # moto 5.2 does not apply LifecycleConfiguration from CloudFormation: test_aws_template checks it.


def test_deployed_role_policies_pass_parliament(aws_stack: AwsStack) -> None:
    """The policies as CloudFormation (moto's) resolved them, read back from IAM."""
    iam = aws_stack.client("iam")
    audited = 0
    for output, arn in aws_stack.outputs.items():
        if not output.endswith("RoleArn"):
            continue
        role = arn.rsplit("/", 1)[1]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            if isinstance(document, str):  # moto 5.2 stores CloudFormation's inline policies as a repr
                document = ast.literal_eval(document)
            text = json.dumps(document)
            findings = [f.issue for f in parliament.analyze_policy_string(text).findings]
            assert findings == [], f"{role}/{name}: {findings}"
            audited += 1
    # five service roles, the alerts role (bus, notify), seven execution roles (the console's role has
    # none), the re-run launcher's
    assert audited == 15


def test_the_extractor_runs_on_python_312_with_the_validation_layer(aws_stack: AwsStack) -> None:
    function = aws_stack.client("lambda").get_function(FunctionName="finance_invoice_extractor")[
        "Configuration"
    ]
    assert function["Runtime"] == "python3.12"
    assert function["Handler"] == "schemaline.pipelines.extractor.handler.handler"
    # moto 5.2 drops Layers when it creates a function from CloudFormation: the layer exists, and
    # test_aws_template checks that the function names it.
    layers = aws_stack.client("lambda").list_layers()["Layers"]
    (layer,) = layers  # moto 5.2 names it after the stack, not LayerName
    assert layer["LatestMatchingVersion"]["CompatibleRuntimes"] == ["python3.12"]
    variables = function["Environment"]["Variables"]
    assert variables["SCHEMALINE_PIPELINE_DEPS"] == "schemaline.deploy.wiring:pipeline_deps"
    assert variables["SCHEMALINE_EVENT_BUS"] == aws_stack.outputs["EventBusName"]


def test_the_chain_state_machine_exists(aws_stack: AwsStack) -> None:
    machine = aws_stack.client("stepfunctions").describe_state_machine(
        stateMachineArn=aws_stack.outputs["ChainStateMachineArn"]
    )
    states = json.loads(machine["definition"])["States"]
    assert states["Raw"]["Parameters"]["JobName"] == "finance_raw_ingest"
    assert states["Gdp"]["Parameters"]["JobName"] == "finance_gdp_transform"


CASES = [
    ("SchemaValidated", "schemaline.validator", "finance_invoice_extractor", True),
    ("SchemaDriftDetected", "schemaline.validator", "finance_raw_ingest", True),
    ("PipelineFailed", "schemaline.validator", "finance_raw_ingest", False),
    ("SchemaValidated", "schemaline.validator", "finance_gdp_transform", False),
    ("SchemaValidated", "schemaline.pipelines.finance_raw_ingest", "finance_raw_ingest", False),
]


def test_the_chain_rule_starts_the_next_stage_only_on_a_verdict_that_lets_the_batch_go_on(
    aws_stack: AwsStack,
) -> None:
    """The chain rule's pattern, matched by moto's EventBridge: the stack leaves the rule out on moto
    (moto cannot deliver to its Step Functions target), so the same pattern feeds a probe queue."""
    sqs, events = aws_stack.client("sqs"), aws_stack.client("events")
    bus = aws_stack.outputs["EventBusName"]
    pattern = resolve().resources()["ChainRule"]["Properties"]["EventPattern"]
    queue = sqs.create_queue(QueueName="chain-probe")
    arn = sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="chain-probe", EventBusName=bus, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="chain-probe", EventBusName=bus, Targets=[{"Id": "probe", "Arn": arn}])
    try:
        for n, (detail_type, source, pipeline_id, _) in enumerate(CASES):
            detail = {"pipeline_id": pipeline_id, "object_uri": f"s3://warehouse/x/{n}.jsonl"}
            entry = {
                "EventBusName": bus,
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
            assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
        got = sqs.receive_message(QueueUrl=queue["QueueUrl"], MaxNumberOfMessages=10, WaitTimeSeconds=1)
        matched = sorted(json.loads(m["Body"])["detail"]["object_uri"] for m in got.get("Messages", []))
        expected = sorted(f"s3://warehouse/x/{n}.jsonl" for n, case in enumerate(CASES) if case[3])
        assert matched == expected
    finally:
        events.remove_targets(Rule="chain-probe", EventBusName=bus, Ids=["probe"])
        events.delete_rule(Name="chain-probe", EventBusName=bus)
        sqs.delete_queue(QueueUrl=queue["QueueUrl"])
