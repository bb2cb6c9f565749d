"""A stage contract and the schema it resolves to, as an Open Data Contract Standard (ODCS) document.

Built with the `open-data-contract-standard` models, so what is written is what they accept.
Mapping: one contract per stage (`id` = `PIPELINE.LAYER`), its `version` the resolved schema
version (`v1.2` → `1.2.0`), `domain` the subject's domain, one schema object for the subject with
a property per JSON Schema property (logical type, required, constraints, enums as a quality
rule), the stage policy as quality rules, and what ODCS has no field for (selector, FQID,
fingerprint, component, integration mode, validation timing) as `customProperties`.
"""

from __future__ import annotations

from typing import Any

from open_data_contract_standard.model import (
    CustomProperty,
    DataQuality,
    Description,
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
)

from schemaline.contracts import Fingerprint, Fqid, SchemaContract

API_VERSION = "v3.1.0"
_LOGICAL = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
}
_DATES = {"date": "date", "date-time": "timestamp", "time": "time"}
_OPTIONS = {
    "string": ("minLength", "maxLength", "pattern", "format"),
    "integer": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "number": ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
    "array": ("minItems", "maxItems", "uniqueItems"),
    "object": ("minProperties", "maxProperties"),
}


def _types(node: dict[str, Any]) -> list[str]:
    declared = node.get("type", [])
    return [declared] if isinstance(declared, str) else [kind for kind in declared if kind != "null"]


def _logical(node: dict[str, Any]) -> str | None:
    """ODCS's logical type; None when the node allows several types (ODCS has no union type)."""
    kinds = _types(node)
    if not kinds and "properties" in node:
        return "object"
    if len(kinds) != 1:
        return None
    if kinds[0] == "string" and node.get("format") in _DATES:
        return _DATES[node["format"]]
    return _LOGICAL.get(kinds[0])


def _options(node: dict[str, Any], logical: str | None) -> dict[str, Any] | None:
    base = "string" if logical in _DATES.values() else logical
    found = {key: node[key] for key in _OPTIONS.get(base or "", ()) if key in node}
    if base in ("integer", "number"):
        # ODCS's exclusive bounds are numbers, as in 2020-12; draft-04 booleans are not carried
        found = {key: value for key, value in found.items() if not isinstance(value, bool)}
    if logical in _DATES.values():
        found.pop("format", None)
    return found or None


def _property(name: str, node: Any, required: bool) -> SchemaProperty:
    node = node if isinstance(node, dict) else {}
    logical = _logical(node)
    kinds = node.get("type")
    physical = kinds if isinstance(kinds, str) else "|".join(kinds) if isinstance(kinds, list) else "any"
    quality = None
    if isinstance(node.get("enum"), list):
        quality = [
            DataQuality(
                type="library",
                metric="invalidValues",
                arguments={"validValues": node["enum"]},
                mustBe=0,
                description=f"{name} is one of the allowed values",
            )
        ]
    nested = node.get("properties") if logical == "object" else None
    items = node.get("items") if logical == "array" and isinstance(node.get("items"), dict) else None
    return SchemaProperty(
        name=name,
        logicalType=logical,
        physicalType=physical,
        required=required,
        description=node.get("description") if isinstance(node.get("description"), str) else None,
        logicalTypeOptions=_options(node, logical),
        quality=quality,
        properties=_properties(node) if isinstance(nested, dict) else None,
        items=_property("items", items, False) if items is not None else None,
    )


def _properties(schema: dict[str, Any]) -> list[SchemaProperty]:
    required = set(schema.get("required") or [])
    return [
        _property(name, node, name in required) for name, node in (schema.get("properties") or {}).items()
    ]


def _custom(values: dict[str, Any]) -> list[CustomProperty]:
    return [CustomProperty(property=key, value=value) for key, value in values.items() if value is not None]


def odcs_document(
    contract: SchemaContract, fqid: Fqid, schema: Any, fingerprint: Fingerprint
) -> OpenDataContractStandard:
    """The ODCS document of one stage contract bound to the schema version `fqid`."""
    subject = fqid.subject
    document = schema if isinstance(schema, dict) else {}
    stage = f"{contract.pipeline_id}.{contract.layer.value}"
    policy = contract.policy
    # The stage policy bounds a batch, not a column: ODCS's library metrics do not express that, so
    # it is a text rule (and machine-readable in customProperties).
    quality = [
        DataQuality(
            type="text",
            name="max_invalid_ratio",
            description=(
                f"a batch passes the stage with at most {policy.max_invalid_ratio:.2%} of its records "
                f"invalid; drifted records are handled by '{policy.on_drift.value}'"
            ),
        )
    ]
    return OpenDataContractStandard(
        apiVersion=API_VERSION,
        kind="DataContract",
        id=stage,
        name=f"{contract.pipeline_id} ({contract.layer.value} stage)",
        version=f"{fqid.version.major}.{fqid.version.minor}.0",
        status="active",
        domain=subject.domain,
        dataProduct=str(subject),
        tags=[contract.layer.value, contract.component.value],
        description=Description(
            purpose=f"Schema contract of the {contract.layer.value} stage of pipeline {contract.pipeline_id}",
            usage=(
                f"validated {contract.validation_timing.value.replace('_', ' ')}, "
                f"{contract.integration_mode.value.replace('_', ' ')}; "
                f"drifted records: {policy.on_drift.value}"
            ),
        ),
        schema=[
            SchemaObject(
                name=subject.entity,
                physicalName=str(subject),
                physicalType="object",
                logicalType="object",
                description=document.get("description") or document.get("title"),
                properties=_properties(document),
                quality=quality,
            )
        ],
        customProperties=_custom(
            {
                "schemalineSchemaSelector": str(contract.schema_selector),
                "schemalineSchemaFqid": str(fqid),
                "schemalineSchemaFingerprint": fingerprint,
                "schemalineComponent": contract.component.value,
                "schemalineIntegrationMode": contract.integration_mode.value,
                "schemalineValidationTiming": contract.validation_timing.value,
                "schemalineValidationScope": (
                    contract.validation_scope.value if contract.validation_scope is not None else None
                ),
                "schemalineOnDrift": policy.on_drift.value,
                "schemalineMaxInvalidRatio": policy.max_invalid_ratio,
            }
        ),
    )
