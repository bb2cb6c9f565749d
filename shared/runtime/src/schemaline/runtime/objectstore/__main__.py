"""`python -m schemaline.runtime.objectstore ensure-bucket NAME...`: create buckets that are missing.

The local stack's one-shot init job runs it against the moto server. It reads the object store
from `SCHEMALINE_OBJECTS__*` (kind, endpoint_url, region); with the local-folder store it creates
the bucket's folder. In AWS the buckets belong to the infrastructure code, not to this command.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path

from schemaline.runtime.objectstore.s3 import S3ObjectStore
from schemaline.runtime.settings import ObjectStoreSettings, ServiceSettings


async def ensure_buckets(settings: ObjectStoreSettings, buckets: Sequence[str]) -> None:
    if settings.kind == "local":
        for bucket in buckets:
            (Path(settings.root) / bucket).mkdir(parents=True, exist_ok=True)
        return
    async with S3ObjectStore.connect(endpoint_url=settings.endpoint_url, region_name=settings.region) as s3:
        for bucket in buckets:
            await s3.ensure_bucket(bucket)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemaline.runtime.objectstore")
    sub = parser.add_subparsers(dest="command", required=True)
    ensure = sub.add_parser("ensure-bucket", help="create each bucket unless it exists")
    ensure.add_argument("buckets", nargs="+", metavar="BUCKET")
    args = parser.parse_args(argv)
    settings = ServiceSettings().objects
    asyncio.run(ensure_buckets(settings, args.buckets))
    for bucket in args.buckets:
        print(f"bucket ready: {bucket} ({settings.kind})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
