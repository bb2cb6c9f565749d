"""The object store port and its adapters: S3 (aiobotocore) and a local folder (embedded default).

async with S3ObjectStore.connect(endpoint_url="http://127.0.0.1:5000") as store: ...
store = LocalFolderStore(".schemaline/objects")

await store.put_bytes("s3://bucket/key", data)
await store.put_stream("s3://bucket/big.jsonl", chunks)   # multipart on S3 when big
async with await store.open("s3://bucket/key") as reader:   # ObjectNotFound, ObjectUnreadable
    async for chunk in reader: ...
await store.exists(uri); [info async for info in store.list("s3://bucket/prefix/")]
"""

from schemaline.runtime.objectstore.errors import (
    InvalidObjectUri,
    ObjectNotFound,
    ObjectStoreError,
    ObjectUnreadable,
)
from schemaline.runtime.objectstore.factory import open_object_store
from schemaline.runtime.objectstore.local import LocalFolderStore
from schemaline.runtime.objectstore.port import DEFAULT_CHUNK_SIZE, ObjectInfo, ObjectReader, ObjectStore
from schemaline.runtime.objectstore.s3 import S3ObjectStore
from schemaline.runtime.objectstore.uri import ObjectUri

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "InvalidObjectUri",
    "LocalFolderStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectReader",
    "ObjectStore",
    "ObjectStoreError",
    "ObjectUnreadable",
    "ObjectUri",
    "S3ObjectStore",
    "open_object_store",
]
