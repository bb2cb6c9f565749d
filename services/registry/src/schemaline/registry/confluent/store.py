"""SQL for the Confluent view: ids, integer versions, soft deletion, modes and global settings.

It runs on the connection of the repository's transaction, so a registration and its id commit
together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from schemaline.contracts import Fqid, Subject, Version
from schemaline.registry.fingerprint import fingerprint_of, normalize
from schemaline.registry.model import Reference, SchemaVersion, parse_references, references_json
from schemaline.registry.tables import registry_config, schema_ids, subjects, versions


def content_key(schema_text: str, references: tuple[Reference, ...]) -> str:
    """What a global id names: the schema, and the references it resolves through."""
    if not references:
        return fingerprint_of(schema_text)
    both = {"references": [r.to_json() for r in references], "schema": json.loads(schema_text)}
    return fingerprint_of(normalize(both))


def _insert(conn: AsyncConnection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


async def assign_identity(
    conn: AsyncConnection, version: SchemaVersion, references: tuple[Reference, ...]
) -> None:
    """Give a just-published version its global id (shared by equal content) and the next number."""
    key = content_key(version.schema_text, references)
    await conn.execute(
        _insert(conn)(schema_ids)
        .values(content_key=key, schema_text=version.schema_text, references_json=references_json(references))
        .on_conflict_do_nothing()
    )
    found = await conn.execute(select(schema_ids.c.id).where(schema_ids.c.content_key == key))
    schema_id = found.scalar_one()
    await conn.execute(
        update(versions)
        .where(*_is(version.fqid))
        .values(schema_id=schema_id, number=await _next_number(conn, version.fqid.subject))
    )


async def _next_number(conn: AsyncConnection, subject: Subject) -> int:
    query = select(func.coalesce(func.max(versions.c.number), 0)).where(versions.c.subject == str(subject))
    return int((await conn.execute(query)).scalar_one()) + 1


def _is(fqid: Fqid) -> tuple[Any, ...]:
    return (
        versions.c.subject == str(fqid.subject),
        versions.c.major == fqid.version.major,
        versions.c.minor == fqid.version.minor,
    )


@dataclass(frozen=True, slots=True)
class Registered:
    """One version as Confluent sees it."""

    subject: Subject
    number: int
    schema_id: int
    schema_text: str
    references: tuple[Reference, ...]
    deleted: bool
    fqid: Fqid


def _registered(row: Row[Any, Any, Any, Any, Any, Any, Any, Any]) -> Registered:
    subject = Subject.parse(row.subject)
    return Registered(
        subject=subject,
        number=row.number,
        schema_id=row.schema_id,
        schema_text=row.schema_text,
        references=parse_references(row.references_json),
        deleted=bool(row.deleted),
        fqid=Fqid(subject, Version(row.major, row.minor)),
    )


_REGISTERED = (
    select(
        versions.c.subject,
        versions.c.number,
        versions.c.schema_id,
        versions.c.deleted,
        versions.c.major,
        versions.c.minor,
        schema_ids.c.schema_text,
        schema_ids.c.references_json,
    )
    .select_from(versions.join(schema_ids, schema_ids.c.id == versions.c.schema_id))
    .where(versions.c.number.is_not(None))  # a permanently deleted version has no number any more
)


class ConfluentStore:
    """Queries of the Confluent view inside one transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def subjects(self, *, deleted: bool) -> list[str]:
        """Subjects with at least one version (soft-deleted ones counted when `deleted`)."""
        query = select(versions.c.subject).where(versions.c.number.is_not(None)).distinct()
        if not deleted:
            query = query.where(versions.c.deleted.is_(False))
        return sorted(row.subject for row in await self._conn.execute(query))

    async def versions(self, subject: Subject, *, deleted: bool) -> list[Registered]:
        query = _REGISTERED.where(versions.c.subject == str(subject)).order_by(versions.c.number)
        if not deleted:
            query = query.where(versions.c.deleted.is_(False))
        return [_registered(row) for row in await self._conn.execute(query)]

    async def version(self, subject: Subject, number: int | None, *, deleted: bool) -> Registered | None:
        """Version `number` of the subject; None: the latest one."""
        query = _REGISTERED.where(versions.c.subject == str(subject))
        if not deleted:
            query = query.where(versions.c.deleted.is_(False))
        if number is None:
            query = query.order_by(versions.c.number.desc()).limit(1)
        else:
            query = query.where(versions.c.number == number)
        row = (await self._conn.execute(query)).first()
        return _registered(row) if row is not None else None

    async def bundle(self, schema_text: str, references: tuple[Reference, ...]) -> str:
        """The schema with every schema its references name (transitively) embedded in `$defs`.

        Each embedded schema's `$id` is its reference name, so `$ref: NAME` resolves inside the
        document: the compatibility engine then compares what the references mean, not their names.
        """
        embedded: dict[str, Any] = {}
        pending = list(references)
        while pending:
            reference = pending.pop()
            if reference.name in embedded:
                continue
            target = await self.version(reference.subject, reference.version, deleted=True)
            if target is None:
                raise LookupError(f"reference {reference.name!r}: {reference.subject} version "
                                  f"{reference.version} does not exist")  # fmt: skip
            document = json.loads(target.schema_text)
            embedded[reference.name] = (
                {**document, "$id": reference.name}
                if isinstance(document, dict)
                else {"$id": reference.name, "allOf": [document]}
            )
            pending.extend(target.references)
        root = json.loads(schema_text)
        if not isinstance(root, dict) or not embedded:
            return schema_text
        definitions = dict(root.get("$defs") or {})
        for index, name in enumerate(sorted(embedded)):
            definitions[f"confluent-reference-{index}"] = embedded[name]
        return normalize({**root, "$defs": definitions})

    async def by_schema_id(self, schema_id: int) -> tuple[str, tuple[Reference, ...]] | None:
        query = select(schema_ids.c.schema_text, schema_ids.c.references_json)
        query = query.where(schema_ids.c.id == schema_id)
        row = (await self._conn.execute(query)).first()
        return (row.schema_text, parse_references(row.references_json)) if row is not None else None

    async def uses_of(self, schema_id: int, *, deleted: bool) -> list[Registered]:
        query = _REGISTERED.where(versions.c.schema_id == schema_id).order_by(
            versions.c.subject, versions.c.number
        )
        if not deleted:
            query = query.where(versions.c.deleted.is_(False))
        return [_registered(row) for row in await self._conn.execute(query)]

    async def by_content(self, subject: Subject, key: str) -> Registered | None:
        """The version of `subject` whose content has this key, deleted or not."""
        query = _REGISTERED.where(versions.c.subject == str(subject), schema_ids.c.content_key == key)
        row = (await self._conn.execute(query)).first()
        return _registered(row) if row is not None else None

    async def unnumbered(self, subject: Subject, key: str) -> Fqid | None:
        """A version of this content that a permanent delete took out of the Confluent view."""
        query = (
            select(versions.c.major, versions.c.minor)
            .select_from(versions.join(schema_ids, schema_ids.c.id == versions.c.schema_id))
            .where(
                versions.c.subject == str(subject),
                schema_ids.c.content_key == key,
                versions.c.number.is_(None),
            )
        )
        row = (await self._conn.execute(query)).first()
        return Fqid(subject, Version(row.major, row.minor)) if row is not None else None

    async def set_deleted(self, fqid: Fqid, deleted: bool) -> None:
        await self._conn.execute(update(versions).where(*_is(fqid)).values(deleted=deleted))

    async def renumber(self, fqid: Fqid) -> None:
        """Bring a version back into the Confluent view under the next integer version."""
        number = await _next_number(self._conn, fqid.subject)
        await self._conn.execute(update(versions).where(*_is(fqid)).values(number=number, deleted=False))

    async def forget(self, fqid: Fqid) -> None:
        """Permanent delete: out of the Confluent view; the published version itself stays."""
        await self._conn.execute(update(versions).where(*_is(fqid)).values(number=None, deleted=True))

    async def referenced_by(self, subject: Subject, number: int) -> list[int]:
        """Ids of schemas whose references name this version (a substring scan, then an exact check)."""
        query = select(schema_ids.c.id, schema_ids.c.references_json).where(
            schema_ids.c.references_json.contains(json.dumps(str(subject)))
        )
        return sorted(
            row.id
            for row in await self._conn.execute(query)
            if any(
                ref.subject == subject and ref.version == number
                for ref in parse_references(row.references_json)
            )
        )

    async def live_ids(self, ids: list[int]) -> list[int]:
        """Those of `ids` that some non-deleted version still uses."""
        if not ids:
            return []
        query = (
            select(versions.c.schema_id)
            .where(versions.c.schema_id.in_(ids), versions.c.deleted.is_(False))
            .distinct()
        )
        return sorted(row.schema_id for row in await self._conn.execute(query))

    # modes and global settings
    async def subject_mode(self, subject: Subject) -> str | None:
        query = select(subjects.c.mode).where(subjects.c.name == str(subject))
        return (await self._conn.execute(query)).scalar_one_or_none()

    async def set_subject_mode(self, subject: Subject, mode: str | None) -> None:
        await self._conn.execute(update(subjects).where(subjects.c.name == str(subject)).values(mode=mode))

    async def setting(self, name: str) -> str | None:
        query = select(registry_config.c.value).where(registry_config.c.name == name)
        return (await self._conn.execute(query)).scalar_one_or_none()

    async def set_setting(self, name: str, value: str | None) -> None:
        await self._conn.execute(delete(registry_config).where(registry_config.c.name == name))
        if value is not None:
            await self._conn.execute(registry_config.insert().values(name=name, value=value))
