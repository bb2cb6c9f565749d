"""Shared pytest plugins for the whole test suite."""

pytest_plugins = ["tests.support.moto_server"]
