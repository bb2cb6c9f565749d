"""The S3 adapter (aiobotocore): multipart uploads for big streams, reads streamed in chunks."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from schemaline.runtime.aws import aws_session
from schemaline.runtime.objectstore.errors import (
    InvalidObjectUri,
    ObjectNotFound,
    ObjectStoreError,
    ObjectUnreadable,
)
from schemaline.runtime.objectstore.port import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectReader
from schemaline.runtime.objectstore.uri import S3, ObjectUri

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


def _missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


async def _iterate(chunks: AsyncIterable[bytes] | Iterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(chunks, AsyncIterable):
        async for chunk in chunks:
            yield chunk
    else:
        for chunk in chunks:
            yield chunk


class S3ObjectStore:
    """Objects in S3 (or any S3 API, e.g. a moto server, through `endpoint_url`).

    Build it with `async with S3ObjectStore.connect(endpoint_url=...) as store:`; the client
    opens and closes with that block.
    """

    def __init__(self, client: Any, *, part_size: int = DEFAULT_PART_SIZE) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.client = client
        self.part_size = part_size

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(
        cls,
        *,
        endpoint_url: str | None = None,
        region_name: str = "eu-west-1",
        part_size: int = DEFAULT_PART_SIZE,
        **client_kwargs: Any,
    ) -> AsyncIterator[S3ObjectStore]:
        session = aws_session()
        async with session.create_client(
            "s3", endpoint_url=endpoint_url, region_name=region_name, **client_kwargs
        ) as client:
            yield cls(client, part_size=part_size)

    async def ensure_bucket(self, bucket: str) -> None:
        try:
            await self.client.head_bucket(Bucket=bucket)
        except ClientError as exc:
            if not _missing(exc):
                raise ObjectStoreError(f"s3://{bucket}: {exc}") from exc
            await self.client.create_bucket(
                Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": self.client.meta.region_name},
            )

    @staticmethod
    def _parse(uri: str, *, prefix: bool = False) -> ObjectUri:
        parsed = ObjectUri.parse(uri, prefix=prefix)
        if parsed.scheme != S3:
            raise InvalidObjectUri(f"{uri!r}: the S3 store addresses s3:// URIs only")
        return parsed

    async def put_bytes(self, uri: str, data: bytes) -> ObjectInfo:
        target = self._parse(uri)
        await self.client.put_object(Bucket=target.bucket, Key=target.key, Body=data)
        return ObjectInfo(uri, len(data))

    async def put_stream(self, uri: str, chunks: AsyncIterable[bytes] | Iterable[bytes]) -> ObjectInfo:
        """Buffer up to `part_size`; a stream that never fills one part is a single PUT, a bigger
        one a multipart upload (aborted if the stream fails, so no half object appears)."""
        target = self._parse(uri)
        buffer = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in _iterate(chunks):
                buffer += chunk
                size += len(chunk)
                while len(buffer) >= self.part_size:
                    if upload_id is None:
                        created = await self.client.create_multipart_upload(
                            Bucket=target.bucket, Key=target.key
                        )
                        upload_id = created["UploadId"]
                    part = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    parts.append(await self._upload_part(target, upload_id, len(parts) + 1, part))
            if upload_id is None:
                await self.client.put_object(Bucket=target.bucket, Key=target.key, Body=bytes(buffer))
                return ObjectInfo(uri, size)
            if buffer:
                parts.append(await self._upload_part(target, upload_id, len(parts) + 1, bytes(buffer)))
            await self.client.complete_multipart_upload(
                Bucket=target.bucket, Key=target.key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            if upload_id is not None:
                with contextlib.suppress(Exception):
                    await self.client.abort_multipart_upload(
                        Bucket=target.bucket, Key=target.key, UploadId=upload_id
                    )
            raise
        return ObjectInfo(uri, size)

    async def _upload_part(
        self, target: ObjectUri, upload_id: str, number: int, body: bytes
    ) -> dict[str, Any]:
        response = await self.client.upload_part(
            Bucket=target.bucket, Key=target.key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    async def open(self, uri: str, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ObjectReader:
        target = self._parse(uri)
        try:
            response = await self.client.get_object(Bucket=target.bucket, Key=target.key)
        except ClientError as exc:
            if _missing(exc):
                raise ObjectNotFound(uri) from None
            error = exc.response.get("Error", {})
            raise ObjectUnreadable(uri, f"{error.get('Code')}: {error.get('Message')}") from exc
        body = response["Body"]

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await body.read(chunk_size):
                yield chunk

        async def close() -> None:
            await body.aclose()

        return ObjectReader(uri, int(response["ContentLength"]), chunks(), close)

    async def get_bytes(self, uri: str) -> bytes:
        async with await self.open(uri) as reader:
            return await reader.read_all()

    async def exists(self, uri: str) -> bool:
        target = self._parse(uri)
        try:
            await self.client.head_object(Bucket=target.bucket, Key=target.key)
        except ClientError as exc:
            if _missing(exc):
                return False
            raise
        return True

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        parsed = self._parse(prefix, prefix=True)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            async for page in paginator.paginate(Bucket=parsed.bucket, Prefix=parsed.key):
                for item in page.get("Contents", ()):
                    yield ObjectInfo(f"s3://{parsed.bucket}/{item['Key']}", int(item["Size"]))
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) != "NoSuchBucket":
                raise
