"""Object store errors: typed, so callers can tell a missing object from a broken store."""

from __future__ import annotations


class ObjectStoreError(Exception):
    """The store could not do what was asked."""


class InvalidObjectUri(ObjectStoreError, ValueError):  # noqa: N818 - reads as the condition
    """A URI this store cannot address (wrong scheme, no bucket, a key with `..` segments...)."""


class ObjectNotFound(ObjectStoreError, KeyError):  # noqa: N818 - reads as the condition
    """No object at this URI."""

    def __init__(self, uri: str) -> None:
        super().__init__(uri)
        self.uri = uri

    def __str__(self) -> str:
        return f"no object at {self.uri}"


class ObjectUnreadable(ObjectStoreError):  # noqa: N818 - reads as the condition
    """An object the store would not give: access denied, archived, the store failing.

    Raised from the store's own error, so `schemaline.runtime.bus.failures.classify` still tells a
    store that is down or throttling (retry) from one that refuses (retrying cannot help).
    """

    def __init__(self, uri: str, reason: str) -> None:
        super().__init__(uri, reason)
        self.uri = uri
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.uri} cannot be read: {self.reason}"
