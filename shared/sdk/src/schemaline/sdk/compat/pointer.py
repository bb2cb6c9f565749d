"""JSON Pointer fragments (`#/properties/a~1b`) for change paths."""

from __future__ import annotations


def escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join(path: str, *tokens: str | int) -> str:
    return path + "".join("/" + escape(token) for token in tokens)


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
