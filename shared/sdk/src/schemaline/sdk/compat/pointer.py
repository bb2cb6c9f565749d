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
