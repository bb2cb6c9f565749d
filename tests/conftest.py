"""Shared fixtures live in tests/support; each module is a pytest plugin listed here."""

import pytest

from schemaline.runtime.logging import configure_logging

pytest_plugins = [
    "tests.support.aio",
    "tests.support.rabbitmq",
    "tests.support.postgres",
    "tests.support.moto_server",
    "tests.support.registry",
    "tests.support.aws_stack",
]


def pytest_configure(config: pytest.Config) -> None:
    # Services run in-process beside CLI commands whose stdout the tests parse: logs go to stderr,
    # as they do in a deployed process, never onto a command's output (structlog's default is stdout).
    configure_logging("DEBUG", json_logs=False)
