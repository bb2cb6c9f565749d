"""Shared fixtures live in tests/support; each module is a pytest plugin listed here."""

pytest_plugins = [
    "tests.support.aio",
    "tests.support.rabbitmq",
    "tests.support.postgres",
    "tests.support.moto_server",
    "tests.support.registry",
    "tests.support.aws_stack",
]
