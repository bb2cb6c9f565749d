"""Confluent's own clients against the running registry (uvicorn on loopback), SQLite and PostgreSQL.

confluent-kafka's `SchemaRegistryClient`, `JSONSerializer` and `JSONDeserializer`, and
python-schema-registry-client with its `JsonMessageSerializer`, talk to `/confluent` unchanged:
only the URL, the credentials and (for the serializer) the subject name strategy are configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from pydantic import SecretStr
from schema_registry.client import SchemaRegistryClient as PySchemaRegistryClient
from schema_registry.client import schema as py_schema
from schema_registry.client.errors import ClientError
from schema_registry.serializers.message_serializer import JsonMessageSerializer

from schemaline.registry.settings import RegistrySettings
from schemaline.registry.spec import SPEC
from schemaline.runtime.settings import DatabaseSettings, Role
from tests.support.postgres import ADMIN_DSN
from tests.support.registry import TOKENS, auth_settings
from tests.support.serving import serving

SUBJECT = "finance.raw.orders"  # no stage contract binds it: Confluent-style direct registration
ORDER_V1: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "amount": {"type": "number"}},
    "required": ["id"],
    "additionalProperties": False,
}
ORDER_V2 = {**ORDER_V1, "properties": {**ORDER_V1["properties"], "note": {"type": "string"}}}
ORDER_BROKEN = {**ORDER_V1, "properties": {"id": {"type": "string"}, "amount": {"type": "string"}}}


def _basic(role: Role) -> str:
    return f"{role.value}-bot:{TOKENS[role]}"


def _admin(sql: str) -> None:
    async def run() -> None:
        admin = await asyncpg.connect(ADMIN_DSN)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    asyncio.run(run())


@contextlib.contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder}/registry.db"
        return
    name = f"test_confluent_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def confluent_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The registry with the real compatibility engine under uvicorn; yields its Confluent base URL."""
    with _database(request.param, tmp_path) as database_url:
        database = DatabaseSettings(url=SecretStr(database_url), migrate_on_start=True)
        settings = RegistrySettings(database=database, auth=auth_settings())
        with serving(SPEC, settings) as base_url:
            yield f"{base_url}/confluent"


def _client(url: str, role: Role = Role.PUBLISHER) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": url, "basic.auth.user.info": _basic(role)})


def _json_schema(document: dict[str, Any]) -> Schema:
    return Schema(json.dumps(document), schema_type="JSON")


def test_confluent_kafka_client_registers_reads_checks_and_configures(confluent_url: str) -> None:
    client = _client(confluent_url)
    first = client.register_schema(SUBJECT, _json_schema(ORDER_V1))
    assert client.register_schema(SUBJECT, _json_schema(ORDER_V1)) == first  # idempotent
    fetched = client.get_schema(first)
    assert fetched.schema_type == "JSON"
    assert json.loads(fetched.schema_str or "") == ORDER_V1

    assert client.test_compatibility(SUBJECT, _json_schema(ORDER_V2)) is True
    assert client.test_compatibility(SUBJECT, _json_schema(ORDER_BROKEN)) is False
    second = client.register_schema(SUBJECT, _json_schema(ORDER_V2))
    assert second != first
    latest = client.get_latest_version(SUBJECT)
    assert (latest.version, latest.schema_id, latest.subject) == (2, second, SUBJECT)
    assert client.get_versions(SUBJECT) == [1, 2]
    assert client.get_version(SUBJECT, 1).schema_id == first
    assert client.lookup_schema(SUBJECT, _json_schema(ORDER_V1)).version == 1
    assert [(v.subject, v.version) for v in client.get_schema_versions(second)] == [(SUBJECT, 2)]
    assert SUBJECT in client.get_subjects()

    assert client.get_compatibility() == "BACKWARD"
    client.set_compatibility(SUBJECT, "FULL")
    assert client.get_compatibility(SUBJECT) == "FULL"

    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema(SUBJECT, _json_schema(ORDER_BROKEN))
    assert (refused.value.http_status_code, refused.value.error_code) == (409, 409)
    assert "TYPE_CHANGED" in refused.value.error_message


def test_json_serializer_round_trips_a_record_through_the_wire_format(confluent_url: str) -> None:
    client = _client(confluent_url)
    serializer = JSONSerializer(
        json.dumps(ORDER_V1),
        client,
        conf={"subject.name.strategy": lambda _ctx, _name: SUBJECT},  # subjects are domain.layer.entity
    )
    context = SerializationContext("orders", MessageField.VALUE)
    record = {"id": "o-1", "amount": 12.5}
    payload = serializer(record, context)
    assert payload is not None
    schema_id = client.lookup_schema(SUBJECT, _json_schema(ORDER_V1)).schema_id
    assert payload[0] == 0  # magic byte
    assert int.from_bytes(payload[1:5], "big") == schema_id  # the global id, 4 bytes big-endian
    assert json.loads(payload[5:]) == record

    reader = _client(confluent_url, Role.RUNNER)  # a consumer needs only to read
    assert JSONDeserializer(None, schema_registry_client=reader)(payload, context) == record


def test_bearer_tokens_and_roles_as_confluent_clients_send_them(confluent_url: str) -> None:
    publisher = _client(confluent_url)
    publisher.register_schema(SUBJECT, _json_schema(ORDER_V1))
    bearer = SchemaRegistryClient(
        {
            "url": confluent_url,
            "bearer.auth.credentials.source": "STATIC_TOKEN",
            "bearer.auth.token": TOKENS[Role.RUNNER],
            "bearer.auth.logical.cluster": "schemaline",
        }
    )
    assert bearer.get_subjects() == [SUBJECT]
    with pytest.raises(SchemaRegistryError) as forbidden:
        bearer.register_schema(SUBJECT, _json_schema(ORDER_V2))
    assert (forbidden.value.http_status_code, forbidden.value.error_code) == (403, 40301)

    impostor = SchemaRegistryClient(
        {"url": confluent_url, "basic.auth.user.info": f"approver-bot:{TOKENS[Role.PUBLISHER]}"}
    )
    with pytest.raises(SchemaRegistryError) as unknown:
        impostor.get_subjects()
    assert unknown.value.http_status_code == 401


def test_python_schema_registry_client_registers_serializes_and_configures(confluent_url: str) -> None:
    client = PySchemaRegistryClient(
        url=confluent_url, auth=httpx.BasicAuth(f"{Role.PUBLISHER.value}-bot", TOKENS[Role.PUBLISHER])
    )
    schema = py_schema.JsonSchema(ORDER_V1)
    schema_id = client.register(SUBJECT, schema)
    by_id = client.get_by_id(schema_id)
    assert by_id is not None
    assert by_id.raw_schema == ORDER_V1
    latest = client.get_schema(SUBJECT)
    assert latest is not None
    assert (latest.version, latest.schema_id) == (1, schema_id)
    assert client.test_compatibility(SUBJECT, py_schema.JsonSchema(ORDER_V2)) is True
    assert client.test_compatibility(SUBJECT, py_schema.JsonSchema(ORDER_BROKEN)) is False
    assert client.update_compatibility("FORWARD", SUBJECT) is True
    assert client.get_compatibility(SUBJECT) == "FORWARD"
    assert client.get_compatibility() == "BACKWARD"

    serializer = JsonMessageSerializer(client)
    record = {"id": "o-2", "amount": 3}
    payload = serializer.encode_record_with_schema(SUBJECT, schema, record)
    assert payload[0] == 0
    assert int.from_bytes(payload[1:5], "big") == schema_id
    assert serializer.decode_message(payload) == record

    with pytest.raises(ClientError) as refused:
        client.register(SUBJECT, py_schema.JsonSchema(ORDER_BROKEN))
    assert refused.value.http_code == 409
