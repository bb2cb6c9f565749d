"""What Confluent clients send, parsed into the registry's types (a bad value is a Confluent error)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemaline.contracts import FqidError, Subject
from schemaline.registry.confluent.errors import ConfluentError, invalid_schema, invalid_subject
from schemaline.registry.model import Reference
from schemaline.sdk.compat import Level

MAX_VERSION = 2**31 - 1


class Mode(StrEnum):
    """Confluent's modes that the registry honours (IMPORT would let clients choose ids: refused)."""

    READWRITE = "READWRITE"
    READONLY = "READONLY"
    READONLY_OVERRIDE = "READONLY_OVERRIDE"


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=500)
    subject: str
    version: int


class SchemaIn(BaseModel):
    """`POST /subjects/{s}/versions`, `POST /subjects/{s}` and compatibility checks."""

    model_config = ConfigDict(extra="ignore")  # metadata, ruleSet, id…: not used here
    schema_: str = Field(alias="schema", description="The JSON Schema, as a string")
    schemaType: str = Field(default="AVRO", description="Only JSON is served here")  # noqa: N815
    references: list[ReferenceIn] = Field(default_factory=list)

    def document(self) -> Any:
        if self.schemaType.upper() != "JSON":
            raise ConfluentError(
                422, 42201, f"Invalid schema type {self.schemaType}: this registry serves JSON Schema only"
            )
        try:
            return json.loads(self.schema_)
        except ValueError as exc:
            raise invalid_schema(f"not JSON: {exc}") from None

    def parsed_references(self) -> tuple[Reference, ...]:
        found = []
        for item in self.references:
            try:
                found.append(Reference(item.name, Subject.parse(item.subject), item.version))
            except FqidError as exc:
                raise invalid_schema(f"reference {item.name!r}: {exc}") from None
        return tuple(found)


class ConfigIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    compatibility: str | None = None
    compatibilityLevel: str | None = None  # noqa: N815

    def level(self) -> Level:
        name = (self.compatibility or self.compatibilityLevel or "").upper()
        try:
            return Level(name)
        except ValueError:
            raise ConfluentError(
                422, 42203, f"Invalid compatibility level {name!r}. Valid values are {', '.join(Level)}"
            ) from None


class ModeIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    mode: str

    def parsed(self) -> Mode:
        try:
            return Mode(self.mode.upper())
        except ValueError:
            raise ConfluentError(
                422,
                42204,
                f"Invalid mode {self.mode!r}. Valid values are {', '.join(Mode)}"
                " (IMPORT is not supported: the registry assigns ids and versions)",
            ) from None


def subject_of(text: str, *, for_write: bool) -> Subject | None:
    """A Confluent subject name is a Schemaline subject; None (read: not found) when it is not one."""
    try:
        return Subject.parse(text)
    except FqidError as exc:
        if for_write:
            raise invalid_subject(text, f"{exc}; subjects here are domain.layer.entity") from None
        return None


def version_of(text: str) -> int | None:
    """An integer version, or None for `latest` (and -1, which clients send for it)."""
    if text in ("latest", "-1"):
        return None
    if text.isdigit() and 1 <= int(text) <= MAX_VERSION:
        return int(text)
    raise ConfluentError(
        422,
        42202,
        f"The specified version '{text}' is not a valid version id. Allowed values are between "
        f'[1, {MAX_VERSION}] and the string "latest"',
    )
