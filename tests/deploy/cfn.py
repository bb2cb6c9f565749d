"""deploy/aws/schemaline.yaml as the tests read it: loaded, resolved offline, deployed to moto.

`resolve()` evaluates the intrinsic functions the template uses (Ref, GetAtt, Sub, If, Equals,
Not) the way CloudFormation would, with made-up ARNs for what AWS would assign, so the IAM
policies can be audited (parliament) and the Glue and Scheduler properties checked against
botocore's request shapes offline: moto does not deploy those (see `deploy()`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "aws" / "schemaline.yaml"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::NoValue": None}

# What AWS would call each resource, by type: (Ref, Arn) from its name.
_ARNS: dict[str, Callable[[str], tuple[str, str]]] = {
    "AWS::SQS::Queue": lambda n: (
        f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{n}",
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:{n}",
    ),
    "AWS::Events::EventBus": lambda n: (n, f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{n}"),
    "AWS::Events::Rule": lambda n: (n, f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{n}"),
    "AWS::SNS::Topic": lambda n: (f"arn:aws:sns:{REGION}:{ACCOUNT}:{n}",) * 2,
    "AWS::S3::Bucket": lambda n: (n, f"arn:aws:s3:::{n}"),
    "AWS::IAM::Role": lambda n: (n, f"arn:aws:iam::{ACCOUNT}:role/{n}"),
    "AWS::Logs::LogGroup": lambda n: (n, f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{n}:*"),
    "AWS::StepFunctions::StateMachine": lambda n: (
        (f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{n}",) * 2
    ),
    "AWS::Lambda::LayerVersion": lambda n: (f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{n}:1",) * 2,
    "AWS::Lambda::Function": lambda n: (n, f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{n}"),
}
_NAME_PROPERTIES = (
    "QueueName", "Name", "TopicName", "BucketName", "RoleName", "LogGroupName", "StateMachineName",
    "LayerName", "FunctionName", "ArchiveName",
)  # fmt: skip
SUB = re.compile(r"\$\{([^}!]+)\}")

TEST_PARAMETERS = {
    "WarehouseBucketName": "warehouse",
    "QuarantineBucketName": "warehouse-quarantine",
    "ArtifactsBucketName": "schemaline-artifacts",
    "RegistryUrl": "http://registry.internal",
    "RunnerTokenSecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:schemaline/runner-AbCdEf",
}


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """The template with its short-form tags (!Sub, !GetAtt …) as long-form dicts."""
    loaded: dict[str, Any] = json.loads(json.dumps(cfn_yaml.load(str(path))))
    return loaded


class Resolver:
    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self.template = template
        defaults = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
        self.parameters = defaults | dict(parameters)
        self.conditions = {name: self.value(body) for name, body in template.get("Conditions", {}).items()}

    def included(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or bool(self.conditions[condition])

    def _names(self, logical: str) -> tuple[str, str]:
        resource = self.template["Resources"][logical]
        properties = resource.get("Properties", {})
        raw = next((properties[p] for p in _NAME_PROPERTIES if p in properties), f"stack-{logical}")
        name = str(self.value(raw))
        if resource["Type"] not in _ARNS:
            return name, f"arn:aws:unknown:{REGION}:{ACCOUNT}:{name}"
        return _ARNS[resource["Type"]](name)

    def ref(self, name: str) -> Any:
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        return self._names(name)[0]

    def get_att(self, logical: str, attribute: str) -> str:
        if attribute != "Arn":
            raise KeyError(f"{logical}.{attribute}: only Arn is resolved here")
        return self._names(logical)[1]

    def _sub(self, text: str, extra: Mapping[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            key = match.group(1)
            if key in extra:
                return str(extra[key])
            if "." in key:
                return self.get_att(*key.split(".", 1))
            return str(self.ref(key))

        return SUB.sub(one, text)

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.value(item) for item in node) if v is not None]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), *_ = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))
                return self._sub(text, extra)
            if key == "Fn::If":
                name, then, otherwise = arg
                return self.value(then if self.conditions[name] else otherwise)
            if key == "Fn::Equals":
                left, right = (self.value(v) for v in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.value(arg[0])
            if key == "Condition":
                return self.conditions[arg]
        return {k: v for k, v in ((k, self.value(v)) for k, v in node.items()) if v is not None}

    def resources(self) -> dict[str, dict[str, Any]]:
        """Included resources, properties resolved: {logical id: {"Type", "Properties"}}."""
        return {
            logical: {"Type": body["Type"], "Properties": self.value(body.get("Properties", {}))}
            for logical, body in self.template["Resources"].items()
            if self.included(body)
        }


def resolve(
    parameters: Mapping[str, str] | None = None, template: Mapping[str, Any] | None = None
) -> Resolver:
    return Resolver(template or load(), TEST_PARAMETERS | dict(parameters or {}))


def as_document(value: Any) -> dict[str, Any]:
    """A policy document property: an object, or (IRSA trust) a JSON string."""
    document: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return document


def policies(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every IAM policy document of the template, by where it is: `Role/policy`, `Role/trust`, …"""
    found: dict[str, dict[str, Any]] = {}
    for logical, resource in resources.items():
        properties = resource["Properties"]
        if resource["Type"] == "AWS::IAM::Role":
            found[f"{logical}/trust"] = as_document(properties["AssumeRolePolicyDocument"])
            for policy in properties.get("Policies", []):
                found[f"{logical}/{policy['PolicyName']}"] = as_document(policy["PolicyDocument"])
        elif "PolicyDocument" in properties:
            found[logical] = as_document(properties["PolicyDocument"])
    return found


def deploy(
    cloudformation: Any, name: str, parameters: Mapping[str, str], within_s: float = 60
) -> dict[str, Any]:
    """Create the stack from the template file as it is; return the finished stack description."""
    cloudformation.create_stack(
        StackName=name,
        TemplateBody=TEMPLATE.read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    deadline = time.monotonic() + within_s
    while True:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            raise TimeoutError(f"stack {name} still {stack['StackStatus']}")
        time.sleep(0.2)
