"""Object URIs: `s3://bucket/key` and `file:///absolute/path`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urlsplit

from schemaline.runtime.objectstore.errors import InvalidObjectUri

S3 = "s3"
FILE = "file"


@dataclass(frozen=True, slots=True)
class ObjectUri:
    """A parsed URI. For `file://`, `bucket` is empty and `key` is the absolute path."""

    scheme: str
    bucket: str
    key: str

    @classmethod
    def parse(cls, uri: str, *, prefix: bool = False) -> ObjectUri:
        """Parse and check a URI; with `prefix=True` the key may be empty or end with `/`."""
        parts = urlsplit(uri)
        if parts.scheme == S3:
            if not parts.netloc:
                raise InvalidObjectUri(f"{uri!r} has no bucket: expected s3://bucket/key")
            key = parts.path.removeprefix("/")
            _check_key(uri, key, prefix=prefix)
            return cls(S3, parts.netloc, key)
        if parts.scheme == FILE:
            if parts.netloc not in ("", "localhost"):
                raise InvalidObjectUri(f"{uri!r} names host {parts.netloc!r}: expected file:///absolute/path")
            path = unquote(parts.path)
            _check_key(uri, path.removeprefix("/"), prefix=prefix)
            return cls(FILE, "", path)
        raise InvalidObjectUri(f"{uri!r}: expected an s3:// or file:// URI")

    @classmethod
    def file(cls, path: str) -> ObjectUri:
        return cls(FILE, "", str(PurePosixPath(path)))

    def __str__(self) -> str:
        if self.scheme == FILE:
            return f"file://{quote(self.key)}"
        return f"s3://{self.bucket}/{self.key}"


def _check_key(uri: str, key: str, *, prefix: bool) -> None:
    if not key and not prefix:
        raise InvalidObjectUri(f"{uri!r} has no key")
    segments = key.split("/")
    if prefix:
        segments = segments[:-1]  # the last segment of a prefix may be empty or partial
    for segment in segments:
        if segment in ("", ".", ".."):
            raise InvalidObjectUri(f"{uri!r}: key segments may not be empty, '.' or '..'")
    if not prefix and key.endswith("/"):
        raise InvalidObjectUri(f"{uri!r} ends with '/': that is a prefix, not an object")
