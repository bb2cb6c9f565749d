"""The console's own parts: sessions and CSRF, the side-by-side diff, the lineage graph's layout."""

from __future__ import annotations

from schemaline.console.diff import folded, side_by_side
from schemaline.console.graph import lineage_graph
from schemaline.console.session import Sessions
from schemaline.runtime.settings import Role

KEY = b"k" * 32


def test_a_session_opens_only_unchanged_and_unexpired() -> None:
    sessions = Sessions(KEY, max_age_s=60)
    cookie = sessions.seal("tok-123", "alice", Role.APPROVER, now=1000)
    operator = sessions.open(cookie, now=1030)
    assert operator is not None
    assert (operator.token, operator.name, operator.role, operator.can_decide) == (
        "tok-123",
        "alice",
        Role.APPROVER,
        True,
    )
    assert not operator.can_propose
    assert sessions.open(cookie, now=1061) is None, "expired"
    body, mac = cookie.split(".")
    forged = Sessions(b"x" * 32, 60).seal("tok-123", "alice", Role.APPROVER, now=1000)
    assert sessions.open(f"{body}x.{mac}", now=1030) is None, "a changed cookie is no session"
    assert sessions.open(forged, now=1030) is None, "signed with another key"
    assert sessions.open("garbage", now=1030) is None


def test_csrf_tokens_are_bound_to_the_session() -> None:
    sessions = Sessions(KEY, max_age_s=60)
    one = sessions.open(sessions.seal("tok", "a", Role.RUNNER, now=1), now=2)
    two = sessions.open(sessions.seal("tok", "a", Role.RUNNER, now=5), now=6)
    assert one is not None
    assert two is not None
    assert sessions.csrf_ok(one, sessions.csrf(one))
    assert not sessions.csrf_ok(one, sessions.csrf(two)), "another login's token"
    assert not sessions.csrf_ok(one, "")


def test_the_diff_sets_unchanged_lines_side_by_side_and_marks_additions() -> None:
    before = {"type": "object", "properties": {"a": {"type": "string"}}}
    after = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": ["string", "null"]}}}
    rows = side_by_side(before, after)
    added = [row for row in rows if row.kind != "same"]
    assert any(row.right and '"b"' in row.right for row in added)
    assert all(row.left is None for row in added if row.kind == "added")
    same = [row for row in rows if row.kind == "same"]
    assert all(row.left == row.right for row in same)
    assert same[0].left_no == same[0].right_no == 1


def test_the_graph_puts_landing_left_of_kpi_and_links_a_rerun_to_its_original() -> None:
    lineage = {
        "upstream": [
            {"run_id": "kpi", "depth": 1, "inputs": ["s3://w/gdp/1"], "outputs": ["s3://w/kpi/1"]},
            {
                "run_id": "gdp",
                "depth": 2,
                "inputs": ["s3://w/landing/1"],
                "outputs": ["s3://w/gdp/1", "s3://w/q/1"],
            },
            {"run_id": "land", "depth": 3, "inputs": [], "outputs": ["s3://w/landing/1"]},
        ],
        "downstream": [
            {"run_id": "gdp.rerun", "depth": 1, "inputs": ["s3://w/q/1"], "outputs": ["s3://w/r/1"]}
        ],
    }
    runs = {"gdp.rerun": {"rerun_of": "gdp", "status": "success", "pipeline_id": "p"}}
    graph = lineage_graph("s3://w/kpi/1", lineage, runs)
    x = {node.key: node.x for node in graph.nodes}
    assert x["d:s3://w/landing/1"] < x["r:gdp"] < x["d:s3://w/gdp/1"] < x["r:kpi"] < x["d:s3://w/kpi/1"]
    assert x["d:s3://w/q/1"] < x["r:gdp.rerun"]
    assert [edge.kind for edge in graph.edges].count("rerun") == 1
    assert [node.key for node in graph.nodes if node.focus] == ["d:s3://w/kpi/1"]
    assert graph.width > 4 * 200


def test_the_folded_diff_keeps_context_around_changes_only() -> None:
    before = {f"k{n:02d}": n for n in range(30)}
    after = before | {"k15": "changed"}
    rows = folded(side_by_side(before, after), context=2)
    kinds = [row.kind for row in rows]
    assert kinds == ["skipped", "same", "same", "changed", "same", "same", "skipped"]
    assert rows[0].skipped + rows[-1].skipped + 5 == len(side_by_side(before, after))
