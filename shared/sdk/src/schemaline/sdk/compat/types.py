"""The change-type table: every change the engine emits, its classification under each policy,
its message and, when it breaks readers, the fix to suggest.

Names follow Confluent Schema Registry's JSON Schema provider (`Difference.Type`) wherever it has
one for the situation; names it lacks are marked `own` below. Classification reads in the backward
direction: compatible means every instance valid under the original stays valid under the update.
`strict` is Confluent's default classification, made sound where Confluent's is not (a `default`
does not make a `required` property present: validators never apply defaults). `lenient` is
optional-friendly: it accepts changes that only break data carrying properties the schema never
declared, and treats annotations it cannot check as annotations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    strict: bool
    lenient: bool
    message: str
    suggestion: str | None = None


_MAJOR = "or bump the major version"


def _keyword(name: str, lowered: str, fix: str) -> dict[str, Rule]:
    """ADDED / REMOVED / INCREASED / DECREASED for an upper bound (`fix` tells how to widen it)."""
    return {
        f"{name}_ADDED": Rule(False, False, f"`{lowered}` {{new}} added", f"drop `{lowered}`, {_MAJOR}"),
        f"{name}_REMOVED": Rule(True, True, f"`{lowered}` {{old}} removed"),
        f"{name}_INCREASED": Rule(True, True, f"`{lowered}` raised from {{old}} to {{new}}"),
        f"{name}_DECREASED": Rule(
            False, False, f"`{lowered}` lowered from {{old}} to {{new}}", f"{fix}, {_MAJOR}"
        ),
    }


def _lower_bound(name: str, lowered: str) -> dict[str, Rule]:
    return {
        f"{name}_ADDED": Rule(False, False, f"`{lowered}` {{new}} added", f"drop `{lowered}`, {_MAJOR}"),
        f"{name}_REMOVED": Rule(True, True, f"`{lowered}` {{old}} removed"),
        f"{name}_INCREASED": Rule(
            False,
            False,
            f"`{lowered}` raised from {{old}} to {{new}}",
            f"keep `{lowered}` at {{old}} or lower, {_MAJOR}",
        ),
        f"{name}_DECREASED": Rule(True, True, f"`{lowered}` lowered from {{old}} to {{new}}"),
    }


def _upper_bound(name: str, lowered: str) -> dict[str, Rule]:
    return _keyword(name, lowered, f"keep `{lowered}` at {{old}} or higher")


def _model(name: str, lowered: str, *, lenient_closing: bool = False) -> dict[str, Rule]:
    """`additionalProperties`-like keywords: ADDED (false → allowed), REMOVED, EXTENDED, NARROWED.

    `lenient_closing`: the lenient policy accepts closing or narrowing the model (Confluent's
    lenient reading of `additionalProperties`: only undeclared members of old data break).
    """
    return {
        f"{name}_ADDED": Rule(True, True, f"`{lowered}` now allows what `false` forbade"),
        f"{name}_REMOVED": Rule(
            False,
            lenient_closing,
            f"`{lowered}` is now `false`: extra members old data may carry are rejected",
            f"keep `{lowered}` open, {_MAJOR}",
        ),
        f"{name}_EXTENDED": Rule(True, True, f"`{lowered}` no longer constrains extra members"),
        f"{name}_NARROWED": Rule(
            False,
            lenient_closing,
            f"`{lowered}` now constrains extra members that were free",
            f"drop the `{lowered}` schema, {_MAJOR}",
        ),
    }


TABLE: dict[str, Rule] = {
    # identity and annotations
    "ID_CHANGED": Rule(True, True, "identifier changed from {old} to {new}"),
    "TITLE_CHANGED": Rule(True, True, "title changed"),
    "DESCRIPTION_CHANGED": Rule(True, True, "description changed"),
    "DEFAULT_CHANGED": Rule(True, True, "default changed from {old} to {new}"),
    "ANNOTATION_CHANGED": Rule(True, True, "annotation `{key}` changed"),  # own
    "DIALECT_CHANGED": Rule(True, True, "`$schema` changed from {old} to {new}"),  # own
    # types
    "TYPE_EXTENDED": Rule(True, True, "type widened from {old} to {new}"),
    "TYPE_NARROWED": Rule(
        False,
        False,
        "type narrowed from {old} to {new}: old data of the dropped types is rejected",
        "keep accepting {old} (a type array or `anyOf` keeps both), " + _MAJOR,
    ),
    "TYPE_CHANGED": Rule(
        False,
        False,
        "type changed from {old} to {new}",
        "keep the old type alongside the new one (a type array or `anyOf`), " + _MAJOR,
    ),
    # strings
    **_upper_bound("MAX_LENGTH", "maxLength"),
    **_lower_bound("MIN_LENGTH", "minLength"),
    "PATTERN_ADDED": Rule(False, False, "`pattern` {new} added", f"drop the pattern, {_MAJOR}"),
    "PATTERN_REMOVED": Rule(True, True, "`pattern` {old} removed"),
    "PATTERN_CHANGED": Rule(
        False,
        False,
        "`pattern` changed from {old} to {new}",
        f"keep a pattern that matches everything {{old}} matched, {_MAJOR}",
    ),
    "FORMAT_ADDED": Rule(False, True, "`format` {new} added", f"drop the format, {_MAJOR}"),  # own
    "FORMAT_REMOVED": Rule(True, True, "`format` {old} removed"),  # own
    "FORMAT_CHANGED": Rule(
        False, True, "`format` changed from {old} to {new}", f"keep `format` {{old}}, {_MAJOR}"
    ),  # own
    "CONTENT_KEYWORD_ADDED": Rule(False, True, "`{key}` {new} added", f"drop `{{key}}`, {_MAJOR}"),  # own
    "CONTENT_KEYWORD_REMOVED": Rule(True, True, "`{key}` {old} removed"),  # own
    "CONTENT_KEYWORD_CHANGED": Rule(
        False, True, "`{key}` changed from {old} to {new}", f"keep `{{key}}` {{old}}, {_MAJOR}"
    ),  # own
    # numbers
    **_upper_bound("MAXIMUM", "maximum"),
    **_lower_bound("MINIMUM", "minimum"),
    **_upper_bound("EXCLUSIVE_MAXIMUM", "exclusiveMaximum"),
    **_lower_bound("EXCLUSIVE_MINIMUM", "exclusiveMinimum"),
    "MULTIPLE_OF_ADDED": Rule(False, False, "`multipleOf` {new} added", f"drop `multipleOf`, {_MAJOR}"),
    "MULTIPLE_OF_REMOVED": Rule(True, True, "`multipleOf` {old} removed"),
    "MULTIPLE_OF_EXPANDED": Rule(
        False,
        False,
        "`multipleOf` coarsened from {old} to {new}",
        f"use a divisor of {{old}} for `multipleOf`, {_MAJOR}",
    ),
    "MULTIPLE_OF_REDUCED": Rule(True, True, "`multipleOf` refined from {old} to {new}"),
    "MULTIPLE_OF_CHANGED": Rule(
        False,
        False,
        "`multipleOf` changed from {old} to {new}",
        f"use a divisor of {{old}} for `multipleOf`, {_MAJOR}",
    ),
    # objects: required and bounds
    "REQUIRED_ATTRIBUTE_ADDED": Rule(
        False,
        False,
        "`{key}` became required: old data without it is rejected",
        "keep `{key}` optional (out of `required`), " + _MAJOR,
    ),
    "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED": Rule(
        False,
        True,
        "`{key}` became required (it has a default, but validators do not apply defaults)",
        "keep `{key}` optional and let readers apply its default, " + _MAJOR,
    ),
    "REQUIRED_ATTRIBUTE_REMOVED": Rule(True, True, "`{key}` is no longer required"),
    **_upper_bound("MAX_PROPERTIES", "maxProperties"),
    **_lower_bound("MIN_PROPERTIES", "minProperties"),
    **_model("ADDITIONAL_PROPERTIES", "additionalProperties", lenient_closing=True),
    **_model("UNEVALUATED_PROPERTIES", "unevaluatedProperties"),
    "UNEVALUATED_PROPERTIES_SCOPE_CHANGED": Rule(
        False,
        False,
        "`unevaluatedProperties` now reaches properties that old subschemas evaluated",
        "keep the subschemas that declare those properties, or an explicit `additionalProperties`, " + _MAJOR,
    ),  # own
    "DEPENDENCY_ARRAY_ADDED": Rule(
        False, False, "`{key}` now requires {new}", f"drop the dependency on `{{key}}`, {_MAJOR}"
    ),
    "DEPENDENCY_ARRAY_REMOVED": Rule(True, True, "`{key}` no longer requires {old}"),
    "DEPENDENCY_ARRAY_EXTENDED": Rule(
        False,
        False,
        "`{key}` now requires {new} instead of {old}",
        f"keep the dependencies of `{{key}}` at {{old}}, {_MAJOR}",
    ),
    "DEPENDENCY_ARRAY_NARROWED": Rule(True, True, "`{key}` now requires {new} instead of {old}"),
    "DEPENDENCY_ARRAY_CHANGED": Rule(
        False,
        False,
        "`{key}` now requires {new} instead of {old}",
        f"keep the dependencies of `{{key}}` a subset of {{old}}, {_MAJOR}",
    ),
    "DEPENDENCY_SCHEMA_ADDED": Rule(
        False, False, "a schema now applies when `{key}` is present", f"drop it, {_MAJOR}"
    ),
    "DEPENDENCY_SCHEMA_REMOVED": Rule(True, True, "the schema applied when `{key}` is present was removed"),
    # objects: content models
    "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "required property `{key}` added to an open content model",
        "make `{key}` optional, " + _MAJOR,
    ),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        False,
        True,
        "required property `{key}` (with a default) added to an open content model",
        "make `{key}` optional and let readers apply its default, " + _MAJOR,
    ),
    "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        False,
        True,
        "optional property `{key}` added to an open content model: old data may carry `{key}` "
        "with another shape",
        "give `{key}` an empty schema (`{{}}`), close the old model with `additionalProperties: false`"
        " first, or use the lenient policy",
    ),
    "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        True, True, "property `{key}` with an empty schema added to an open content model"
    ),
    "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "required property `{key}` added: old data does not have it",
        "make `{key}` optional, " + _MAJOR,
    ),
    "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL": Rule(
        False,
        True,
        "required property `{key}` (with a default) added: old data does not have it",
        "make `{key}` optional and let readers apply its default, " + _MAJOR,
    ),
    "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL": Rule(
        True, True, "optional property `{key}` added to a closed or partially open content model"
    ),
    "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL": Rule(
        True, True, "property `{key}` removed; the open content model still accepts it"
    ),
    "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": Rule(
        True, True, "forbidden property `{key}` removed from a closed content model"
    ),
    "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL": Rule(
        False,
        True,
        "property `{key}` removed from a closed content model: old data carrying it is rejected",
        "keep `{key}` declared (deprecate it instead), " + _MAJOR,
    ),
    "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        True, True, "property `{key}` removed; the partially open content model still accepts it"
    ),
    "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "property `{key}` removed and the partially open content model rejects its old values",
        "keep `{key}` declared, " + _MAJOR,
    ),
    "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        True, True, "property `{key}` added; every old value allowed by the content model fits it"
    ),
    "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "property `{key}` added, narrower than what the old content model allowed under that name",
        "widen the schema of `{key}` to what the old content model allowed, " + _MAJOR,
    ),
    "PATTERN_PROPERTY_ADDED_IS_COVERED": Rule(
        True, True, "pattern property {key} added; old data under matching names fits it"
    ),  # own
    "PATTERN_PROPERTY_ADDED_NOT_COVERED": Rule(
        False,
        False,
        "pattern property {key} added: old data under matching names may not fit it",
        f"drop the pattern property, {_MAJOR}",
    ),  # own
    "PATTERN_PROPERTY_REMOVED_IS_COVERED": Rule(
        True, True, "pattern property {key} removed; the content model still accepts those names"
    ),  # own
    "PATTERN_PROPERTY_REMOVED_NOT_COVERED": Rule(
        False,
        False,
        "pattern property {key} removed and the content model rejects old values under those names",
        f"keep the pattern property, {_MAJOR}",
    ),  # own
    "PROPERTY_NAMES_ADDED": Rule(
        False, False, "`propertyNames` added", f"drop `propertyNames`, {_MAJOR}"
    ),  # own
    "PROPERTY_NAMES_REMOVED": Rule(True, True, "`propertyNames` removed"),  # own
    # arrays
    **_upper_bound("MAX_ITEMS", "maxItems"),
    **_lower_bound("MIN_ITEMS", "minItems"),
    **_upper_bound("MAX_CONTAINS", "maxContains"),
    "MIN_CONTAINS_INCREASED": Rule(
        False,
        False,
        "`minContains` raised from {old} to {new}",
        f"keep `minContains` at {{old}} or lower, {_MAJOR}",
    ),
    "MIN_CONTAINS_DECREASED": Rule(True, True, "`minContains` lowered from {old} to {new}"),
    "UNIQUE_ITEMS_ADDED": Rule(False, False, "`uniqueItems` added", f"drop `uniqueItems`, {_MAJOR}"),
    "UNIQUE_ITEMS_REMOVED": Rule(True, True, "`uniqueItems` removed"),
    "CONTAINS_ADDED": Rule(False, False, "`contains` added", f"drop `contains`, {_MAJOR}"),  # own
    "CONTAINS_REMOVED": Rule(True, True, "`contains` removed"),  # own
    "CONTAINS_CHANGED": Rule(
        False,
        False,
        "`contains` changed while `maxContains` caps how many items may match",
        f"keep `contains` as it was, {_MAJOR}",
    ),  # own
    **_model("ADDITIONAL_ITEMS", "additional items"),
    **_model("UNEVALUATED_ITEMS", "unevaluatedItems"),
    "UNEVALUATED_ITEMS_SCOPE_CHANGED": Rule(
        False,
        False,
        "`unevaluatedItems` now reaches items that old subschemas evaluated",
        f"keep the subschemas that evaluate those items, {_MAJOR}",
    ),  # own
    "SCHEMA_ADDED": Rule(False, False, "a schema for every item was added", f"drop it, {_MAJOR}"),
    "SCHEMA_REMOVED": Rule(True, True, "the schema for every item was removed"),
    "ITEM_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        False,
        True,
        "tuple item {key} added to an open array: old arrays may hold another value there",
        "give the item an empty schema (`{{}}`), " + _MAJOR,
    ),
    "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL": Rule(
        True, True, "tuple item {key} with an empty schema added"
    ),
    "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL": Rule(
        True, True, "tuple item {key} added to a closed array: old arrays never reach it"
    ),
    "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL": Rule(
        True, True, "tuple item {key} removed; the open array still accepts it"
    ),
    "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL": Rule(
        True, True, "forbidden tuple item {key} removed"
    ),
    "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL": Rule(
        False,
        True,
        "tuple item {key} removed from a closed array: old arrays that reach it are rejected",
        "keep the item, " + _MAJOR,
    ),
    "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        True, True, "tuple item {key} removed; the schema for further items accepts its old values"
    ),
    "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "tuple item {key} removed and the schema for further items rejects its old values",
        "keep the item, " + _MAJOR,
    ),
    "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        True, True, "tuple item {key} added; old values at that position fit it"
    ),
    "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL": Rule(
        False,
        False,
        "tuple item {key} added, narrower than what old arrays held at that position",
        "widen the item to the old schema for further items, " + _MAJOR,
    ),
    # enum and const
    "ENUM_ARRAY_EXTENDED": Rule(True, True, "allowed values widened from {old} to {new}"),
    "ENUM_ARRAY_NARROWED": Rule(
        False,
        False,
        "allowed values narrowed from {old} to {new}",
        "keep every old value allowed, " + _MAJOR,
    ),
    "ENUM_ARRAY_CHANGED": Rule(
        False,
        False,
        "allowed values changed from {old} to {new}",
        "keep every old value allowed, " + _MAJOR,
    ),
    "ENUM_ARRAY_ADDED": Rule(
        False, False, "values restricted to {new}", "drop the restriction, " + _MAJOR
    ),  # own
    # combined schemas
    "COMBINED_TYPE_EXTENDED": Rule(True, True, "`{old}` became `{new}`, accepting every old instance"),
    "COMBINED_TYPE_CHANGED": Rule(
        False,
        False,
        "`{old}` became `{new}`, rejecting some old instances",
        "keep `{old}`, " + _MAJOR,
    ),
    "PRODUCT_TYPE_EXTENDED": Rule(
        False,
        False,
        "`allOf` gained subschemas old data may not satisfy",
        "drop the new `allOf` subschemas, " + _MAJOR,
    ),
    "PRODUCT_TYPE_NARROWED": Rule(True, True, "`{key}` lost constraints: every old instance still fits"),
    "SUM_TYPE_EXTENDED": Rule(True, True, "a union gained alternatives"),
    "SUM_TYPE_NARROWED": Rule(
        False,
        False,
        "a union lost alternatives old data may use",
        "keep the removed alternatives, " + _MAJOR,
    ),
    "COMBINED_TYPE_SUBSCHEMAS_CHANGED": Rule(
        False,
        False,
        "a subschema of `{key}` changed so that no new subschema accepts what it accepted",
        "keep a subschema that accepts what the old one accepted, " + _MAJOR,
    ),
    "PRODUCT_TYPE_ADDED": Rule(
        False, False, "`allOf` added with subschemas old data may not satisfy", "drop it, " + _MAJOR
    ),  # own
    "PRODUCT_TYPE_REMOVED": Rule(True, True, "`allOf` removed"),  # own
    "SUM_TYPE_ADDED": Rule(
        False,
        False,
        "`{key}` added and no alternative accepts every old instance",
        "add an alternative equal to the old schema, " + _MAJOR,
    ),  # own
    "SUM_TYPE_REMOVED": Rule(True, True, "`{key}` removed"),  # own
    "ONE_OF_EXCLUSIVITY_UNPROVEN": Rule(
        False,
        False,
        "`oneOf` alternative {key} may overlap another: an old instance matching both is rejected",
        "make the alternatives disjoint (distinct types or a `const` discriminator), or use `anyOf`",
    ),  # own
    "NOT_TYPE_EXTENDED": Rule(
        False,
        False,
        "the schema under `not` now excludes more instances",
        "keep the `not` schema as narrow as before, " + _MAJOR,
    ),
    "NOT_TYPE_NARROWED": Rule(True, True, "the schema under `not` excludes fewer instances"),
    "NOT_TYPE_ADDED": Rule(False, False, "`not` added", "drop `not`, " + _MAJOR),  # own
    "NOT_TYPE_REMOVED": Rule(True, True, "`not` removed"),  # own
    "CONDITIONAL_ADDED": Rule(
        False, False, "`if`/`then`/`else` added", "drop the condition, " + _MAJOR
    ),  # own
    "CONDITIONAL_REMOVED": Rule(True, True, "`if`/`then`/`else` removed"),  # own
    "CONDITIONAL_CHANGED": Rule(
        False,
        False,
        "the `if` condition changed",
        "keep the `if` condition and change only `then`/`else`, " + _MAJOR,
    ),  # own
    # what the engine cannot reason about
    "EXTERNAL_REFERENCE_CHANGED": Rule(
        False,
        False,
        "reference {new} cannot be resolved offline and differs from {old}",
        "bundle the referenced schema into `$defs`, " + _MAJOR,
    ),  # own
    "UNKNOWN_KEYWORD_CHANGED": Rule(
        False,
        True,
        "keyword `{key}` is not part of the dialect; its change cannot be judged",
        "revert the change to `{key}`, or use the lenient policy (unknown keywords are annotations)",
    ),  # own
}


def classify(change_type: str, lenient: bool) -> bool:
    rule = TABLE[change_type]
    return rule.lenient if lenient else rule.strict
