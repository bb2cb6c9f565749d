import re

import pytest
from pydantic import BaseModel

from schemaline.contracts import Fqid, FqidError, Layer, Selector, SelectorKind, Subject, Version


def test_fqid_round_trips() -> None:
    fqid = Fqid.parse("finance.gdp.invoice:v1.2")
    assert fqid.subject == Subject("finance", Layer.GDP, "invoice")
    assert fqid.version == Version(1, 2)
    assert str(fqid) == "finance.gdp.invoice:v1.2"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("finance..invoice:v1", "empty"),
        ("finance.gdp.invoice:v1.2.3", "vMAJOR.MINOR"),
        ("finance.gdp.invoice:v1", "vMAJOR.MINOR"),
        ("finance.gdp.invoice", "no ':'"),
        ("finance/gdp/invoice:v1.0", "path"),
        ("../../etc.gdp.passwd:v1.0", "path"),
        ("finance.silver.invoice:v1.0", "layer 'silver'"),
        ("Finance.gdp.invoice:v1.0", "lowercase"),
        ("finance.gdp.invoice:v01.0", "vMAJOR.MINOR"),
        ("f" * 190 + ".gdp.invoice:v1.0", "limit is 200"),
        ("finance.gdp.in voice:v1.0", "lowercase"),
    ],
)
def test_malformed_fqids_are_refused_with_the_reason(text: str, needle: str) -> None:
    with pytest.raises(FqidError, match=re.escape(needle)):
        Fqid.parse(text)


def test_versions_order_numerically() -> None:
    assert Version.parse("v1.10") > Version.parse("v1.9")
    assert Version(1, 9).next_minor() == Version(1, 10)
    assert Version(1, 9).next_major() == Version(2, 0)


@pytest.mark.parametrize(
    ("text", "kind", "matches", "misses"),
    [
        ("finance.kpi.invoice:^1", SelectorKind.MAJOR, "v1.7", "v2.0"),
        ("finance.kpi.invoice:latest", SelectorKind.LATEST, "v9.0", None),
        ("finance.kpi.invoice:v1.1", SelectorKind.EXACT, "v1.1", "v1.2"),
    ],
)
def test_selectors(text: str, kind: SelectorKind, matches: str, misses: str | None) -> None:
    selector = Selector.parse(text)
    assert selector.kind is kind
    assert str(selector) == text
    assert selector.matches(Version.parse(matches))
    if misses is not None:
        assert not selector.matches(Version.parse(misses))


@pytest.mark.parametrize("text", ["finance.kpi.invoice:^", "finance.kpi.invoice:newest", "x:^1"])
def test_bad_selectors(text: str) -> None:
    with pytest.raises(FqidError, match="selector"):
        Selector.parse(text)


class _Holder(BaseModel):
    fqid: Fqid
    selector: Selector


def test_fqids_travel_as_strings_in_models() -> None:
    holder = _Holder.model_validate({"fqid": "a.raw.b:v0.1", "selector": "a.raw.b:^0"})
    assert holder.model_dump(mode="json") == {"fqid": "a.raw.b:v0.1", "selector": "a.raw.b:^0"}
    schema = _Holder.model_json_schema()
    assert schema["properties"]["fqid"]["type"] == "string"
    with pytest.raises(ValueError, match=r"vMAJOR\.MINOR"):
        _Holder.model_validate({"fqid": "a.raw.b:1.0", "selector": "a.raw.b:^0"})
