"""Schema FQIDs (`domain.layer.entity:vMAJOR.MINOR`) and the selectors a pipeline may declare."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

MAX_FQID_LENGTH = 200
_NAME = r"[a-z][a-z0-9_]{0,62}"
_NAME_RE = re.compile(_NAME)
_VERSION_RE = re.compile(r"v(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")
_MAJOR_RE = re.compile(r"\^(0|[1-9][0-9]{0,5})")
SUBJECT_PATTERN = rf"{_NAME}\.(extractor|raw|gdp|kpi)\.{_NAME}"
FQID_PATTERN = rf"^{SUBJECT_PATTERN}:v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
SELECTOR_PATTERN = rf"^{SUBJECT_PATTERN}:(v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)|latest|\^(0|[1-9][0-9]*))$"


class Layer(StrEnum):
    """The pipeline layers a schema belongs to."""

    EXTRACTOR = "extractor"
    RAW = "raw"
    GDP = "gdp"
    KPI = "kpi"


class FqidError(ValueError):
    """A malformed FQID, subject, version or selector; the message says what and where."""


class _StrModel:
    """Pydantic support for value types that travel as strings."""

    @classmethod
    def parse(cls, text: str) -> Self:
        raise NotImplementedError

    @classmethod
    def _json_pattern(cls) -> str:
        raise NotImplementedError

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: object) -> Any:
            if isinstance(value, cls):
                return value
            if not isinstance(value, str):
                raise FqidError(f"expected a string, got {type(value).__name__}")
            return cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": cls._json_pattern()}


def _check_length(text: str, what: str) -> None:
    if len(text) > MAX_FQID_LENGTH:
        raise FqidError(f"{what} is {len(text)} characters long; the limit is {MAX_FQID_LENGTH}")


@dataclass(frozen=True, slots=True, order=True)
class Subject(_StrModel):
    """`domain.layer.entity`, e.g. `finance.gdp.invoice`."""

    domain: str
    layer: Layer
    entity: str

    @classmethod
    def parse(cls, text: str) -> Self:
        _check_length(text, "subject")
        if "/" in text or "\\" in text:
            raise FqidError(f"subject {text!r} looks like a path; expected domain.layer.entity")
        parts = text.split(".")
        if len(parts) != 3:
            raise FqidError(
                f"subject {text!r} has {len(parts)} dot-separated parts; "
                "expected domain.layer.entity (e.g. finance.gdp.invoice)"
            )
        domain, layer, entity = parts
        for label, part in (("domain", domain), ("layer", layer), ("entity", entity)):
            if not part:
                raise FqidError(f"subject {text!r} has an empty {label}")
        for label, part in (("domain", domain), ("entity", entity)):
            if not _NAME_RE.fullmatch(part):
                raise FqidError(
                    f"{label} {part!r} in {text!r} must be lowercase letters, digits and "
                    "underscores, starting with a letter, at most 63 characters"
                )
        try:
            parsed_layer = Layer(layer)
        except ValueError:
            allowed = ", ".join(item.value for item in Layer)
            raise FqidError(f"layer {layer!r} in {text!r} is not one of {allowed}") from None
        return cls(domain, parsed_layer, entity)

    @classmethod
    def _json_pattern(cls) -> str:
        return f"^{SUBJECT_PATTERN}$"

    def __str__(self) -> str:
        return f"{self.domain}.{self.layer.value}.{self.entity}"


@dataclass(frozen=True, slots=True, order=True)
class Version(_StrModel):
    """`vMAJOR.MINOR`."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Self:
        match = _VERSION_RE.fullmatch(text)
        if match is None:
            raise FqidError(f"version {text!r} must look like vMAJOR.MINOR, e.g. v1.2")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def _json_pattern(cls) -> str:
        return r"^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"

    def next_minor(self) -> Version:
        return Version(self.major, self.minor + 1)

    def next_major(self) -> Version:
        return Version(self.major + 1, 0)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"


def _split(text: str, what: str) -> tuple[str, str]:
    _check_length(text, what)
    subject, sep, version = text.partition(":")
    if not sep:
        raise FqidError(f"{what} {text!r} has no ':'; expected domain.layer.entity:v1.2")
    return subject, version


@dataclass(frozen=True, slots=True, order=True)
class Fqid(_StrModel):
    """An exact schema version: `finance.gdp.invoice:v1.2`."""

    subject: Subject
    version: Version

    @classmethod
    def parse(cls, text: str) -> Self:
        subject, version = _split(text, "FQID")
        try:
            return cls(Subject.parse(subject), Version.parse(version))
        except FqidError as exc:
            raise FqidError(f"FQID {text!r}: {exc}") from None

    @classmethod
    def _json_pattern(cls) -> str:
        return FQID_PATTERN

    def __str__(self) -> str:
        return f"{self.subject}:{self.version}"


class SelectorKind(StrEnum):
    EXACT = "exact"
    LATEST = "latest"
    MAJOR = "major"


@dataclass(frozen=True, slots=True)
class Selector(_StrModel):
    """What a pipeline declares: an exact version, `latest`, or the latest within a major (`^1`)."""

    subject: Subject
    kind: SelectorKind
    version: Version | None = None
    major: int | None = None

    @classmethod
    def parse(cls, text: str) -> Self:
        subject_text, spec = _split(text, "selector")
        try:
            subject = Subject.parse(subject_text)
            if spec == "latest":
                return cls(subject, SelectorKind.LATEST)
            if (match := _MAJOR_RE.fullmatch(spec)) is not None:
                return cls(subject, SelectorKind.MAJOR, major=int(match[1]))
            if spec.startswith("v"):
                return cls(subject, SelectorKind.EXACT, version=Version.parse(spec))
        except FqidError as exc:
            raise FqidError(f"selector {text!r}: {exc}") from None
        raise FqidError(f"selector {text!r}: {spec!r} is not an exact version (v1.2), 'latest' or '^MAJOR'")

    @classmethod
    def exact(cls, fqid: Fqid) -> Selector:
        return Selector(fqid.subject, SelectorKind.EXACT, version=fqid.version)

    @classmethod
    def _json_pattern(cls) -> str:
        return SELECTOR_PATTERN

    def matches(self, version: Version) -> bool:
        """Whether a published version satisfies this selector (newest wins among matches)."""
        if self.kind is SelectorKind.EXACT:
            return version == self.version
        if self.kind is SelectorKind.MAJOR:
            return version.major == self.major
        return True

    def admits(self, other: Selector) -> bool:
        """Whether every version `other` may resolve to is one this selector allows (same subject;
        an exact version within this one; `^N` within `^N` or `latest`; `latest` within `latest`)."""
        if other.subject != self.subject:
            return False
        if other.kind is SelectorKind.EXACT:
            assert other.version is not None
            return self.matches(other.version)
        if other.kind is SelectorKind.MAJOR:
            return self.kind is SelectorKind.LATEST or (
                self.kind is SelectorKind.MAJOR and self.major == other.major
            )
        return self.kind is SelectorKind.LATEST

    def __str__(self) -> str:
        if self.kind is SelectorKind.EXACT:
            return f"{self.subject}:{self.version}"
        if self.kind is SelectorKind.MAJOR:
            return f"{self.subject}:^{self.major}"
        return f"{self.subject}:latest"
