"""Soundness by data: what the engine calls compatible never lets valid data fail.

BACKWARD: instances of the old schema validate under the new one. FORWARD: instances of the new
schema validate under the old one. A failure here is a bug in the engine.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schemaline.sdk.compat import Level, Policy, SchemaError, check, diff
from tests.compat.conftest import CASES
from tests.compat.strategies import instances, is_valid, mutations, schemas

QUICK = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
# data cannot be generated offline for a schema that refers to another document
OFFLINE = [case for case in CASES if '"$ref": "https://' not in json.dumps(case)]
GENERATED = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _assert_sound(data: st.DataObject, writer: Any, reader: Any, label: str) -> None:
    if writer is False:
        return  # writes nothing
    for instance in instances(data, writer, 5):
        assert is_valid(reader, instance), f"{label}: {instance!r} valid before, rejected after"


@pytest.mark.parametrize("case", OFFLINE, ids=[case["name"] for case in OFFLINE])
@QUICK
@given(data=st.data())
def test_tabled_pairs_judged_compatible_keep_data_valid(case: dict[str, Any], data: st.DataObject) -> None:
    old, new = case["old"], case["new"]
    if check(new, [old], Level.BACKWARD, Policy.STRICT).compatible:
        _assert_sound(data, old, new, "backward")
    if check(new, [old], Level.FORWARD, Policy.STRICT).compatible:
        _assert_sound(data, new, old, "forward")


@GENERATED
@given(old=schemas, data=st.data())
def test_generated_pairs_judged_compatible_keep_data_valid(old: Any, data: st.DataObject) -> None:
    new = data.draw(mutations(old))
    try:
        verdict = check(new, [old], Level.FULL, Policy.STRICT)
    except SchemaError:  # a mutation may produce an invalid schema: not a pair to judge
        assume(False)
        raise
    backward, forward = verdict.comparisons
    if backward.compatible:
        _assert_sound(data, old, new, "backward")
    if forward.compatible:
        _assert_sound(data, new, old, "forward")


@GENERATED
@given(schema=schemas)
def test_every_generated_schema_is_compatible_with_itself(schema: Any) -> None:
    assert diff(schema, schema) == []
    assert diff(schema, copy.deepcopy(schema)) == []
    for level in Level:
        assert check(copy.deepcopy(schema), [schema, schema], level).compatible


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_every_tabled_schema_is_compatible_with_itself(case: dict[str, Any]) -> None:
    for schema in (case["old"], case["new"]):
        assert diff(schema, copy.deepcopy(schema)) == []
        for level in Level:
            for policy in Policy:
                assert check(copy.deepcopy(schema), [schema], level, policy).compatible
