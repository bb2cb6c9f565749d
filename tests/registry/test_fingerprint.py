"""Fingerprints anyone can recompute (SHA-256 over RFC 8785 canonical JSON) and the migration to them."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import text

from schemaline.registry.migrations import migrate
from schemaline.runtime.db import create_engine
from schemaline.sdk.fingerprint import fingerprint
from tests.support.registry import Harness

# The test vector of docs/registry.md: the canonical text is written out by hand here.
DOCUMENT = {"type": "object", "properties": {"b": {"maximum": 1.0, "title": "é"}, "a": {}}}
CANONICAL = '{"properties":{"a":{},"b":{"maximum":1,"title":"é"}},"type":"object"}'
EXPECTED = "sha256:" + hashlib.sha256(CANONICAL.encode()).hexdigest()


def test_the_fingerprint_is_sha256_of_the_rfc8785_form() -> None:
    assert fingerprint(DOCUMENT) == EXPECTED
    assert fingerprint(json.loads(json.dumps(DOCUMENT, indent=4))) == EXPECTED


async def test_the_registry_stores_the_canonical_text_and_its_fingerprint(registry: Harness) -> None:
    proposed = await registry.propose(DOCUMENT)
    assert proposed.json()["fingerprint"] == EXPECTED
    huge = await registry.propose({"type": "integer", "maximum": 2**60})
    assert huge.status_code == 422  # no RFC 8785 form: integers beyond 2^53 are not I-JSON


async def test_migration_0004_recomputes_stored_fingerprints(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine, "0003")
        old_text = json.dumps(DOCUMENT, sort_keys=True, separators=(",", ":"))  # the old stored form
        async with engine.begin() as conn:
            for statement in (
                "INSERT INTO subjects (name, created_at) VALUES ('finance.gdp.invoice', CURRENT_TIMESTAMP)",
                "INSERT INTO schema_ids (content_key, schema_text, references_json)"
                " VALUES ('sha256:old', :t, '[]')",
                "INSERT INTO schema_versions (subject, major, minor, fingerprint, schema_text, deprecated,"
                " published_at, number, schema_id, deleted) VALUES ('finance.gdp.invoice', 1, 0,"
                " 'sha256:old', :t, false, CURRENT_TIMESTAMP, 1, 1, false)",
            ):
                await conn.execute(text(statement), {"t": old_text})
        await migrate(engine)
        async with engine.connect() as conn:
            version = (await conn.execute(text("SELECT fingerprint, schema_text FROM schema_versions"))).one()
            key = (await conn.execute(text("SELECT content_key, schema_text FROM schema_ids"))).one()
        assert tuple(version) == (EXPECTED, CANONICAL)
        assert tuple(key) == (EXPECTED, CANONICAL)
    finally:
        await engine.dispose()
