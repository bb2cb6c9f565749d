from pathlib import Path

import jsonschema

from schemaline.contracts import EVENT_MODELS, new_envelope
from schemaline.contracts.schemas import event_schemas, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "events"


def test_docs_event_schemas_are_fresh() -> None:
    for name, schema in event_schemas().items():
        path = DOCS / f"{name}.json"
        assert path.exists(), f"{path} missing: run `make schemas`"
        assert path.read_text(encoding="utf-8") == render(schema), f"{path} is stale: run `make schemas`"
    assert {p.stem for p in DOCS.glob("*.json")} == {m.DETAIL_TYPE for m in EVENT_MODELS}


def test_a_real_event_validates_against_its_published_schema() -> None:
    from tests.contracts.test_events import landed

    wire = new_envelope(landed(), source="extractor").to_wire()
    jsonschema.validate(wire, event_schemas()["BatchLanded"])
    wire["detail-type"] = "SchemaValidated"
    try:
        jsonschema.validate(wire, event_schemas()["BatchLanded"])
    except jsonschema.ValidationError:
        return
    raise AssertionError("detail-type is not pinned by the schema")
