"""Open the configured object store (the one place that picks an adapter)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from schemaline.runtime.objectstore.local import LocalFolderStore
from schemaline.runtime.objectstore.port import ObjectStore
from schemaline.runtime.objectstore.s3 import S3ObjectStore
from schemaline.runtime.settings import ObjectStoreSettings


@contextlib.asynccontextmanager
async def open_object_store(settings: ObjectStoreSettings) -> AsyncIterator[ObjectStore]:
    if settings.kind == "s3":
        async with S3ObjectStore.connect(
            endpoint_url=settings.endpoint_url, region_name=settings.region
        ) as store:
            yield store
    else:
        yield LocalFolderStore(settings.root)
