"""pytest plugin: deploy/aws/schemaline.yaml deployed to a moto server of its own, for the session.

The stack's moto server runs in a separate process: moto keeps its state per process, and the
session's in-process server (tests.support.moto_server) already holds a `warehouse` bucket that the
stack must create. Tests that use it are marked `moto`; it is started here, so it is never missing.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from tests.deploy.cfn import TEST_PARAMETERS, deploy
from tests.support.moto_server import DUMMY_AWS_ENV

STACK = "schemaline"
REGION = "eu-west-1"


@dataclass(frozen=True)
class AwsStack:
    endpoint: str
    name: str
    parameters: dict[str, str]
    outputs: dict[str, str]
    description: dict[str, Any]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def moto_server_process() -> Iterator[str]:
    """A moto server in its own process on a loopback port; its endpoint URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=os.environ | DUMMY_AWS_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the moto server did not start (exit {process.poll()})")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def upload_artifacts(endpoint: str, bucket: str) -> None:
    """The artefacts the stack expects in place before it is created (a release puts the real ones)."""
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(
        Bucket=bucket, Key="lambda/finance_invoice_extractor.zip", Body=_zip("README", "handler in layer")
    )
    s3.put_object(
        Bucket=bucket, Key="lambda/schemaline-validation-layer.zip", Body=_zip("python/README", "test layer")
    )
    s3.put_object(
        Bucket=bucket, Key="lambda/schemaline-rerun-launcher.zip", Body=_zip("README", "handler in layer")
    )


@pytest.fixture(scope="session")
def aws_stack() -> Iterator[AwsStack]:
    """The stack deployed (Emulator=true) to a fresh moto server, with its outputs."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in DUMMY_AWS_ENV.items():
            env.setenv(name, value)
        with moto_server_process() as endpoint:
            parameters = TEST_PARAMETERS | {"Emulator": "true"}
            upload_artifacts(endpoint, parameters["ArtifactsBucketName"])
            cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint)
            description = deploy(cloudformation, STACK, parameters)
            outputs = {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}
            yield AwsStack(endpoint, STACK, parameters, outputs, description)
