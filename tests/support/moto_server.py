"""pytest plugin: a moto server (S3 and friends) on a free loopback port, for the session.

Tests that use it are marked `moto`; it is started here, so it is never "missing": if it cannot
start, those tests fail.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-west-1",
    # Never read a developer's own AWS configuration or credentials in tests.
    "AWS_CONFIG_FILE": "/nonexistent/schemaline-tests/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/schemaline-tests/aws-credentials",
}


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """The endpoint URL (`http://127.0.0.1:PORT`) of a moto server, with dummy AWS credentials set."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in DUMMY_AWS_ENV.items():
            env.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()
