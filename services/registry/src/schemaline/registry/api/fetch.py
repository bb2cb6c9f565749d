"""`GET /schema/fetch`: the SDK's hot path. One query, the stored JSON text as is, ETag revalidation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from schemaline.contracts import Selector
from schemaline.contracts.fqid import MAX_FQID_LENGTH, SELECTOR_PATTERN
from schemaline.registry import service
from schemaline.registry.api.models import ErrorOut, FetchOut
from schemaline.registry.api.params import RegistryDep
from schemaline.registry.model import SchemaVersion
from schemaline.runtime.http.auth import Permission, require

router = APIRouter(tags=["fetch"], dependencies=[Depends(require(Permission.READ))])


def etag_of(version: SchemaVersion) -> str:
    """The fingerprint names the content; the flag is part of the body too."""
    digest = version.fingerprint.removeprefix("sha256:")
    return f'"{digest}{"-deprecated" if version.deprecated else ""}"'


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


@router.get(
    "/schema/fetch",
    response_class=Response,
    responses={
        200: {"model": FetchOut, "description": "The resolved version", "content": {"application/json": {}}},
        304: {"description": "Not modified: the If-None-Match ETag is current"},
        404: {"model": ErrorOut, "description": "No published version matches"},
    },
)
async def fetch(
    registry: RegistryDep,
    fqid: Annotated[
        str,
        Query(
            pattern=SELECTOR_PATTERN,
            max_length=MAX_FQID_LENGTH,
            description="Exact FQID, `subject:latest` or `subject:^MAJOR`",
            examples=["finance.gdp.invoice:^1"],
        ),
    ],
    if_none_match: Annotated[str | None, Header(max_length=1024)] = None,
) -> Response:
    """Resolve a selector to the exact version it names now."""
    version = await service.fetch(registry, Selector.parse(fqid))
    etag = etag_of(version)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    # The stored text is normalized ASCII JSON: it goes into the body without a parse.
    body = (
        f'{{"fqid":"{version.fqid}","fingerprint":"{version.fingerprint}",'
        f'"deprecated":{"true" if version.deprecated else "false"},"schema":{version.schema_text}}}'
    )
    return Response(body, media_type="application/json", headers=headers)
