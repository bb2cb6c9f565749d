"""The Prometheus alerting rules and the Grafana dashboard in deploy/observability: well-formed, one
per seed target and one for dead letters, and querying only series the services' `/metrics` really
exports. The rules also pass Prometheus's own `promtool check rules` and their unit tests (`promtool
test rules`): each alert fires when its target is missed and stays silent when it is met."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemaline.runtime.bus.consumer import dead_letter_counter
from schemaline.sdk.metrics import SEED_METRICS, PipelineMetrics
from schemaline.sdk.resolver.metrics import latency_histogram

ROOT = Path(__file__).resolve().parents[2] / "deploy" / "observability"
DURATION = re.compile(r"^[0-9]+(ms|s|m|h|d|w|y)$")
SERIES = re.compile(r"\b((?:pipeline|schema|schemaline)_[a-z0-9_]+)")
TARGETS = {  # seed metric -> the threshold its rule compares with
    "pipeline.validation_success_rate": "<= 99",
    "pipeline.drift_events": "> 0",
    "pipeline.runtime_validation_latency_ms": "> 500",
    "schema.resolver_latency_ms": "> 200",
    "pipeline.failure_rate": ">= 1",
}


def exported_series() -> set[str]:
    """Every series name the Prometheus exporter writes for the seed's instruments."""
    registry = CollectorRegistry()
    provider = MeterProvider([PrometheusMetricReader(registry=registry)])
    metrics = PipelineMetrics.create(provider)
    metrics.validation("pass", 3.0, component="validator", layer="gdp", check="batch")
    metrics.run(pipeline_id="p", layer="gdp", component="glue:gdp", failed=False)
    metrics.drift_detected(subject="finance.gdp.invoice", kind="shape")
    latency_histogram(provider).record(1.0, {"schema.cache": "hit"})
    dead_letter_counter(provider).add(1, {"service": "governance", "kind": "transient"})
    text = generate_latest(registry).decode()
    return {sample.name for family in text_string_to_metric_families(text) for sample in family.samples}


def promtool(*args: str) -> str:
    """Run Prometheus's promtool in deploy/observability; a test that cannot run it fails (CI installs
    it: apt-get install prometheus). Returns what it printed; a non-zero exit fails the test."""
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: apt-get install -y --no-install-recommends prometheus")
    done = subprocess.run([tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}{done.stderr}"
    return done.stdout


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((ROOT / "prometheus-rules.yaml").read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    rules: list[dict[str, Any]] = []
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "rules", "limit"}
        assert group["name"]
        rules.extend(group["rules"])
    return rules


def test_alerting_rules_follow_the_rule_format_and_cover_every_seed_target() -> None:
    rules = _rules()
    exported = exported_series()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names are unique"
    by_slo: dict[str, str] = {}
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, rule
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
        assert "for" not in rule or DURATION.match(rule["for"])
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), expr
        for series in SERIES.findall(expr):
            assert series in exported, f"{rule['alert']} queries {series}, which nothing exports"
        for window in re.findall(r"\[([^\]]+)\]", expr):
            assert DURATION.match(window), window
        if "slo" in rule["labels"]:
            by_slo[rule["labels"]["slo"]] = expr
        else:  # an operations alert: it names the PIPE code whose runbook entry says what to do
            assert re.fullmatch(r"PIPE-\d{4}", rule["labels"]["pipe_code"]), rule
    assert set(by_slo) == set(SEED_METRICS)
    for metric, threshold in TARGETS.items():
        assert by_slo[metric].rstrip().endswith(threshold), (metric, by_slo[metric])


def test_promtool_accepts_the_alerting_rules() -> None:
    out = promtool("check", "rules", "prometheus-rules.yaml")
    assert f"SUCCESS: {len(_rules())} rules found" in out, out


def test_each_alert_fires_when_its_target_is_missed_and_stays_silent_when_it_is_met() -> None:
    document = yaml.safe_load((ROOT / "prometheus-rules.test.yaml").read_text(encoding="utf-8"))
    cases = {test["name"]: test["alert_rule_test"] for test in document["tests"]}
    alerts = {rule["alert"] for rule in _rules()}
    fired = {case["alertname"] for case in cases["every target missed"] if case["exp_alerts"]}
    silent = {case["alertname"] for case in cases["every target met"] if not case["exp_alerts"]}
    assert fired == alerts, "every alert has a case where its target is missed"
    assert silent == alerts, "every alert has a case where its target is met"
    assert "SUCCESS" in promtool("test", "rules", "prometheus-rules.test.yaml")


def test_the_dashboard_shows_the_five_levels_with_their_targets() -> None:
    dashboard = json.loads((ROOT / "grafana-dashboard.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] == "schemaline-slo"
    assert isinstance(dashboard["schemaVersion"], int)
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    exported = exported_series()
    shown: set[str] = set()
    for panel in panels:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        for target in panel["targets"]:
            assert target["refId"]
            for series in SERIES.findall(target["expr"]):
                assert series in exported, f"panel {panel['title']!r} queries {series}"
        shown.update(name for name in SEED_METRICS if panel["title"].startswith(name))
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[0]["value"] is None, "Grafana's base step has no value"
    assert shown == set(SEED_METRICS)
    thresholds = {
        name: panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"]
        for panel in panels
        for name in SEED_METRICS
        if panel["title"].startswith(name)
    }
    assert thresholds == {
        "pipeline.validation_success_rate": 99,
        "pipeline.drift_events": 1,
        "pipeline.runtime_validation_latency_ms": 500,
        "schema.resolver_latency_ms": 200,
        "pipeline.failure_rate": 1,
    }
