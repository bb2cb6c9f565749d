"""Schemathesis over an API's own OpenAPI document, served on loopback: no generated request gets a 5xx."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], base_url: str) -> list[str]:
    """Run one operation's generated cases; return the ones answered with a 5xx."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=10)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}")

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (no parameters, no body): only positive cases exist.
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


def fuzz_api(base_url: str, headers_for: Callable[[Any], dict[str, str]], *, at_least: int) -> list[str]:
    """Every operation of the document at `base_url`, positive and negative cases; the 5xx answers."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"invalid operation in the OpenAPI document: {result.err()}"
        operations.append(result.ok())
    assert len(operations) >= at_least
    failures: list[str] = []
    for operation in operations:
        for mode in EXAMPLES:
            failures += fuzz(operation, mode, headers_for(operation), base_url)
    return failures
