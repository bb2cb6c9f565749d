"""JSON Pointer fragments (`#/properties/a~1b`) for change paths."""

from __future__ import annotations


def escape(token: str | int) -> str:
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def join(path: str, *tokens: str | int) -> str:
    if len(tokens) == 1:
        return path + "/" + escape(tokens[0])
    return path + "".join("/" + escape(token) for token in tokens)


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


# Keywords whose value holds subschemas, by how a pointer steps into them.
_NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_INDEXED = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SINGLE = frozenset(
    {
        "additionalProperties",
        "unevaluatedProperties",
        "unevaluatedItems",
        "additionalItems",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "contentSchema",
    }
)


def node_of(path: str) -> str:
    """The schema node a keyword pointer sits in, as Confluent reports changes: `#/properties/a`
    for `#/properties/a/type`, `#/` for a keyword of the root."""
    tokens = path.split("/")[1:]
    depth = index = 0
    while index < len(tokens):
        keyword = unescape(tokens[index])
        rest = len(tokens) - index - 1
        named = keyword in _NAMED and rest >= 1
        indexed = (keyword in _INDEXED or keyword == "items") and rest >= 1 and tokens[index + 1].isdigit()
        dependency = keyword == "dependencies" and rest >= 2  # inside a schema dependency
        if named or indexed or dependency:
            index += 2
        elif (keyword in _SINGLE or keyword == "items") and rest >= 1:
            index += 1  # inside the subschema; the keyword alone (`#/additionalProperties`) is its node's
        else:
            break
        depth = index
    return "#/" + "/".join(tokens[:depth])
