"""deploy/aws/schemaline.yaml offline: cfn-lint, parliament on every IAM policy, least privilege,
and the parts moto does not deploy (Glue jobs, the schedule, resource policies) against botocore."""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import botocore.session  # type: ignore[import-untyped]
import pytest
from botocore.validate import ParamValidator  # type: ignore[import-untyped]
from cfnlint.api import ManualArgs, lint_all, lint_file

from schemaline.pipelines.jobdefs import load_folder
from schemaline.pipelines.seed import jobs_dir
from tests.deploy.cfn import TEMPLATE, Resolver, load, policies, resolve
from tests.deploy.manifests import SERVICES, consumes

with warnings.catch_warnings():  # parliament imports pkg_resources, deprecated by setuptools
    warnings.simplefilter("ignore")
    import parliament

ABOVE_INFO = {"LOW", "MEDIUM", "HIGH", "CRITICAL"}
SERVICE_ROLES = [
    "RegistryRole",
    "ValidatorRole",
    "DriftDetectorRole",
    "LineageWriterRole",
    "GovernanceRole",
    "AlertsRole",
]
STAGE_ROLES = ["ExtractorRole", "RawJobRole", "GdpJobRole", "KpiJobRole"]


@pytest.fixture(scope="module", params=["aws", "aws+eks", "moto"])
def resolved(request: pytest.FixtureRequest) -> Resolver:
    """The template as CloudFormation resolves it: on AWS (with and without EKS) and on moto."""
    return resolve(
        {
            "aws": {},
            "aws+eks": {
                "EksOidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789",
                "KedaOperatorRoleArn": "arn:aws:iam::123456789012:role/keda-operator",
            },
            "moto": {"Emulator": "true"},
        }[request.param]
    )


def _lint_problems(matches: list[Any]) -> list[str]:
    return [
        f"{m.rule.id} {m.message} (line {m.linenumber})"
        for m in matches
        if m.rule.severity != "informational"
    ]


def test_cfn_lint_finds_nothing_above_informational() -> None:
    assert _lint_problems(lint_file(TEMPLATE)) == []


def test_cfn_lint_would_catch_a_broken_template() -> None:
    broken = TEMPLATE.read_text().replace("VisibilityTimeout: !Ref", "VisibilityTimout: !Ref", 1)
    assert _lint_problems(lint_all(broken)), "cfn-lint let an unknown property through"
    wrong_ref = TEMPLATE.read_text().replace("!GetAtt RegistryDLQ.Arn", "!GetAtt RegistryDLQueue.Arn", 1)
    assert _lint_problems(lint_all(wrong_ref)), "cfn-lint let a dangling GetAtt through"
    assert ManualArgs  # the API this test relies on


# Parliament reads every document as an identity policy; a trust policy has no Resource by design.
TRUST_ONLY = "Statement contains neither Resource nor NotResource"
# Parliament 1.6 knows SAML providers but not IAM OIDC providers (IRSA's); those are checked below.
OIDC_PROVIDER = re.compile(
    r"^arn:aws:iam::\d{12}:oidc-provider/oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/\w+$"
)


def _findings(document: dict[str, Any], *, trust: bool = False) -> list[str]:
    found = parliament.analyze_policy_string(json.dumps(document)).findings
    return [
        f"{f.issue} {f.detail}"
        for f in found
        if parliament.config.get(f.issue, {}).get("severity", "HIGH").upper() in ABOVE_INFO
        and not (trust and f.issue == "MALFORMED" and f.detail == TRUST_ONLY)
        and not (trust and f.issue == "UNKNOWN_FEDERATION_SOURCE" and OIDC_PROVIDER.match(str(f.detail)))
    ]


def test_parliament_finds_nothing_above_informational(resolved: Resolver) -> None:
    documents = policies(resolved.resources())
    assert len(documents) >= 30
    problems = {
        where: found
        for where, document in documents.items()
        if (found := _findings(document, trust=where.endswith("/trust")))
    }
    assert problems == {}


def test_roles_trust_only_their_service_principal_or_their_own_service_account(resolved: Resolver) -> None:
    """What parliament cannot audit: who may assume each role."""
    namespace = resolved.parameters["KubernetesNamespace"]
    for where, document in policies(resolved.resources()).items():
        if not where.endswith("/trust"):
            continue
        for statement in document["Statement"]:
            principal = statement["Principal"]
            if "Service" in principal:
                assert statement["Action"] == "sts:AssumeRole", where
                continue
            if "AWS" in principal:  # KEDA's operator, and only it
                assert principal["AWS"] == resolved.parameters["KedaOperatorRoleArn"], where
                continue
            assert principal["Federated"].endswith(f"oidc-provider/{resolved.parameters['EksOidcIssuer']}")
            (subject,) = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
            assert subject.startswith(f"system:serviceaccount:{namespace}:"), where


def test_parliament_would_catch_a_broad_policy() -> None:
    broad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    assert _findings(broad)


def _statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resources[role]["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def _allowed(statements: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Allow" and action in _actions(s)]


def _resources(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def test_only_governance_may_put_schema_approved(resolved: Resolver) -> None:
    resources = resolved.resources()
    roles = [name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"]
    may_approve = []
    for role in roles:
        for statement in _allowed(_statements(resources, role), "events:PutEvents"):
            allowed = (
                statement.get("Condition", {}).get("ForAllValues:StringEquals", {}).get("events:detail-type")
            )
            if allowed is None or "SchemaApproved" in allowed:
                may_approve.append(role)
    assert may_approve == ["GovernanceRole"]


def test_pipeline_runners_put_only_stage_events_and_never_touch_quarantine(resolved: Resolver) -> None:
    resources = resolved.resources()
    quarantine = resources["QuarantineBucket"]["Properties"]["BucketName"]
    for role in STAGE_ROLES:
        statements = _statements(resources, role)
        (put,) = _allowed(statements, "events:PutEvents")
        assert put["Condition"]["ForAllValues:StringEquals"]["events:detail-type"] == [
            "BatchLanded",
            "PipelineFailed",
        ]
        touched = [r for s in statements for r in _resources(s)]
        assert not [r for r in touched if quarantine in r], f"{role} reaches the quarantine bucket"
        secrets = [r for s in _allowed(statements, "secretsmanager:GetSecretValue") for r in _resources(s)]
        assert secrets == [resolved.parameters["RunnerTokenSecretArn"]], f"{role} reads other secrets"


def test_each_service_consumes_only_its_own_queue(resolved: Resolver) -> None:
    resources = resolved.resources()
    queue_arns = {
        name: r
        for name, r in resources.items()
        if r["Type"] == "AWS::SQS::Queue" and not name.endswith("DLQ")
    }
    for role in SERVICE_ROLES:
        service = role.removesuffix("Role")
        (receive, dlq) = _allowed(_statements(resources, role), "sqs:ReceiveMessage")
        assert _resources(receive) == [resolved.get_att(f"{service}Queue", "Arn")]
        assert _resources(dlq) == [resolved.get_att(f"{service}DLQ", "Arn")]
        assert len(queue_arns) == len(SERVICE_ROLES)


def test_only_the_alerts_role_publishes_and_only_to_the_ops_alerts_topic(resolved: Resolver) -> None:
    """The alerts service is the topic's one publisher (no rule forwards raw events to it)."""
    resources = resolved.resources()
    roles = [name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"]
    publishers = {role: _allowed(_statements(resources, role), "sns:Publish") for role in roles}
    assert [role for role, allowed in publishers.items() if allowed] == ["AlertsRole"]
    (publish,) = publishers["AlertsRole"]
    assert _resources(publish) == [resolved.ref("OpsAlertsTopic")]
    assert [r for r in resources.values() if r["Type"] == "AWS::SNS::TopicPolicy"] == []
    topic = resources["OpsAlertsTopic"]["Properties"]["TopicName"]
    assert topic == f"{resolved.parameters['QueuePrefix']}-ops-alerts"  # the name the deployments use


def test_the_quarantine_bucket_is_encrypted_and_expires_and_the_warehouse_is_encrypted(
    resolved: Resolver,
) -> None:
    resources = resolved.resources()
    for bucket in ("WarehouseBucket", "QuarantineBucket"):
        rules = resources[bucket]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    (rule,) = resources["QuarantineBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert int(rule["ExpirationInDays"]) >= 7


# ---- what moto does not deploy, checked against the AWS API's own request shapes -------------------

_BOTO = botocore.session.get_session()


def _validate(service: str, operation: str, params: dict[str, Any]) -> str:
    shape = _BOTO.get_service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    return report.generate_report() if report.has_errors() else ""


def _aws() -> dict[str, Any]:
    return resolve().resources()


# CloudFormation properties of AWS::Glue::Job that CreateJob names differently or lacks.
_GLUE_ONLY_CFN: set[str] = set()


@pytest.mark.parametrize("logical", ["RawJob", "GdpJob", "KpiJob"])
def test_glue_jobs_are_valid_create_job_requests_on_glue_5(logical: str) -> None:
    job = _aws()[logical]["Properties"]
    assert _validate("glue", "CreateJob", job) == ""
    assert (job["GlueVersion"], job["Command"]["Name"], job["Command"]["PythonVersion"]) == (
        "5.0",
        "glueetl",
        "3",
    )


@pytest.mark.parametrize("logical", ["RawJob", "GdpJob", "KpiJob"])
def test_glue_jobs_in_the_template_are_the_job_definitions(logical: str) -> None:
    """pipelines/jobs/*.json (what `schemaline jobs lint` and the local runner read) and the template
    describe the same job: same name, runtime, schemas and wiring."""
    job = _aws()[logical]["Properties"]
    definition = load_folder(jobs_dir())[job["Name"]].body
    for key in ("Name", "GlueVersion", "WorkerType", "Timeout", "MaxRetries"):
        assert job[key] == definition[key], key
    assert job["Command"]["Name"] == definition["Command"]["Name"]
    assert job["Command"]["PythonVersion"] == definition["Command"]["PythonVersion"]
    for argument in ("--schema-fqid", "--input-schema-fqid", "--pipeline-id", "--pipeline-deps"):
        assert job["DefaultArguments"][argument] == definition["DefaultArguments"][argument], argument


def test_the_hourly_kpi_schedule_is_a_valid_create_schedule_request() -> None:
    schedule = _aws()["KpiSchedule"]["Properties"]
    assert _validate("scheduler", "CreateSchedule", schedule) == ""
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert json.loads(schedule["Target"]["Input"])["JobName"] == _aws()["KpiJob"]["Properties"]["Name"]


def test_queue_and_topic_policies_are_valid_requests() -> None:
    resources = _aws()
    for logical, resource in resources.items():
        properties = resource["Properties"]
        if resource["Type"] == "AWS::SQS::QueuePolicy":
            for url in properties["Queues"]:
                request = {
                    "QueueUrl": url,
                    "Attributes": {"Policy": json.dumps(properties["PolicyDocument"])},
                }
                assert _validate("sqs", "SetQueueAttributes", request) == "", logical
        if resource["Type"] == "AWS::SNS::TopicPolicy":
            for topic in properties["Topics"]:
                request = {
                    "TopicArn": topic,
                    "AttributeName": "Policy",
                    "AttributeValue": json.dumps(properties["PolicyDocument"]),
                }
                assert _validate("sns", "SetTopicAttributes", request) == "", logical


def test_every_consuming_service_has_a_rule_a_queue_and_a_dlq_named_as_the_transport_names_them() -> None:
    from schemaline.runtime.bus import EventBridgeTransport

    resources = _aws()
    transport = EventBridgeTransport(
        event_bus=resolve().parameters["EventBusName"], queue_prefix="schemaline"
    )
    for service in [s for s in SERVICES if consumes(f"schemaline.{s}")]:
        logical = "".join(part.title() for part in service.split("_"))
        assert resources[f"{logical}Queue"]["Properties"]["QueueName"] == transport.queue_name(service)
        assert resources[f"{logical}DLQ"]["Properties"]["QueueName"] == transport.dlq_name(service)
        rule = resources[f"{logical}Rule"]["Properties"]
        assert rule["Name"] == transport.rule_name(service)
        (target,) = rule["Targets"]
        assert target["Arn"] == resolve().get_att(f"{logical}Queue", "Arn")


def test_the_extractor_names_the_validation_layer_and_python_312() -> None:
    function = _aws()["ExtractorFunction"]["Properties"]
    assert function["Runtime"] == "python3.12"
    assert function["Layers"] == [resolve().ref("ValidationLayer")]
    assert _aws()["ValidationLayer"]["Properties"]["CompatibleRuntimes"] == ["python3.12"]


def test_template_loads() -> None:
    assert load()["Resources"]


@pytest.mark.parametrize("logical", ["ChainRule", "RerunLauncherRule"])
def test_rules_moto_leaves_out_are_valid_put_rule_and_put_targets_requests(logical: str) -> None:
    rule = _aws()[logical]["Properties"]
    put_rule = {k: v for k, v in rule.items() if k != "Targets"} | {
        "EventPattern": json.dumps(rule["EventPattern"])
    }
    assert _validate("events", "PutRule", put_rule) == ""
    put_targets = {"Rule": rule["Name"], "EventBusName": rule["EventBusName"], "Targets": rule["Targets"]}
    assert _validate("events", "PutTargets", put_targets) == ""


def test_the_console_s_role_grants_nothing_and_its_execution_role_reads_only_its_secrets(
    resolved: Resolver,
) -> None:
    """The console calls only the services' APIs, with each operator's token."""
    resources = resolved.resources()
    assert _statements(resources, "ConsoleRole") == []
    (secrets,) = _statements(resources, "ConsoleExecutionRole")
    assert secrets["Action"] == "secretsmanager:GetSecretValue"
    assert _resources(secrets)[0].endswith(f":secret:{resolved.parameters['ServiceSecretsPrefix']}/console/*")


def test_the_rerun_launcher_starts_only_the_stage_jobs_and_never_loses_a_request() -> None:
    """RunRerunRequested → the function (invoked by its rule only) → glue:StartJobRun of a stage job;
    what it cannot start, and what EventBridge cannot deliver, lands in its DLQ."""
    resources, resolver = _aws(), resolve()
    jobs = {resources[j]["Properties"]["Name"] for j in ("RawJob", "GdpJob", "KpiJob")}
    statements = _statements(resources, "RerunLauncherRole")
    (start,) = _allowed(statements, "glue:StartJobRun")
    assert {r.rsplit(":job/", 1)[1] for r in _resources(start)} == jobs
    dlq = resolver.get_att("RerunLauncherDLQ", "Arn")
    (send,) = _allowed(statements, "sqs:SendMessage")
    assert _resources(send) == [dlq]
    actions = {a for s in statements for a in _actions(s)}
    assert actions == {"glue:StartJobRun", "sqs:SendMessage", "logs:CreateLogStream", "logs:PutLogEvents"}
    function = resources["RerunLauncherFunction"]["Properties"]
    assert function["Handler"] == "schemaline.deploy.rerun_lambda.handler"
    assert function["Layers"] == [resolver.ref("ValidationLayer")]
    assert function["DeadLetterConfig"] == {"TargetArn": dlq}
    assert _validate("lambda", "CreateFunction", function) == ""
    rule = resources["RerunLauncherRule"]["Properties"]
    assert rule["EventPattern"] == {"detail-type": ["RunRerunRequested"]}
    (target,) = rule["Targets"]
    assert target["Arn"] == resolver.get_att("RerunLauncherFunction", "Arn")
    assert target["DeadLetterConfig"] == {"Arn": dlq}
    permission = resources["RerunLauncherPermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == resolver.get_att("RerunLauncherRule", "Arn")
    assert _validate("lambda", "AddPermission", permission | {"StatementId": "events"}) == ""
