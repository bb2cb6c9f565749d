"""Every pair of the case table: the ordered changes and the verdict under each policy."""

from __future__ import annotations

from typing import Any

import pytest

from schemaline.sdk.compat import Level, Policy, check, diff
from schemaline.sdk.compat.types import TABLE
from tests.compat.conftest import CASES


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_changes_and_verdicts(case: dict[str, Any]) -> None:
    changes = diff(case["old"], case["new"])
    assert [[c.type, c.path, c.keyword] for c in changes] == case["changes"]
    for policy, expected in ((Policy.STRICT, case["strict"]), (Policy.LENIENT, case["lenient"])):
        verdict = check(case["new"], [case["old"]], Level.BACKWARD, policy)
        assert verdict.compatible is expected, policy
        assert verdict.semver == ("minor" if expected else "major")


def test_the_table_covers_every_change_type_the_engine_emits() -> None:
    emitted = {change[0] for case in CASES for change in case["changes"]}
    assert emitted <= set(TABLE)
    assert set(TABLE) - emitted == set(), "change types without a case"


def test_the_table_has_at_least_150_pairs() -> None:
    assert len(CASES) >= 150


def test_every_incompatible_change_has_a_suggestion() -> None:
    for case in CASES:
        for policy in Policy:
            for change in diff(case["old"], case["new"], policy):
                assert (change.suggestion is None) is change.compatible, (case["name"], change)
                assert change.message
                assert "{" not in change.message
