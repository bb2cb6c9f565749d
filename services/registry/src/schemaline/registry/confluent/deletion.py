"""Soft and permanent deletion through the Confluent API.

A soft delete hides a version from Confluent listings, from `latest` and `^MAJOR` and from later
compatibility checks. A permanent delete (only after a soft one, as in Confluent) takes it out of
the Confluent view altogether: its integer version is freed. Neither erases the published
version: its FQID still resolves exactly, so a run pinned to it keeps working (a published
version never changes).
"""

from __future__ import annotations

from collections.abc import Sequence

from schemaline.contracts import Subject
from schemaline.registry.confluent import errors
from schemaline.registry.confluent.configuration import require_writable
from schemaline.registry.confluent.errors import ConfluentError
from schemaline.registry.confluent.store import Registered
from schemaline.registry.repository import Tx
from schemaline.registry.service import Registry


async def _refuse_if_referenced(tx: Tx, targets: Sequence[Registered]) -> None:
    for target in targets:
        users = await tx.confluent.live_ids(await tx.confluent.referenced_by(target.subject, target.number))
        if users:
            raise ConfluentError(
                422,
                42206,
                f"One or more references exist to the schema {{subject={target.subject}, "
                f"version={target.number}}}: schema ids {users}",
            )


async def delete_subject(registry: Registry, subject: Subject, *, permanent: bool) -> list[int]:
    async with registry.repo.transaction() as tx:
        await require_writable(tx, subject)
        every = await tx.confluent.versions(subject, deleted=True)
        if not every:
            raise errors.subject_not_found(str(subject))
        live = [version for version in every if not version.deleted]
        if permanent:
            if live:
                raise ConfluentError(
                    404, 40405, f"Subject '{subject}' was not deleted first before being permanently deleted"
                )
            for version in every:
                await tx.confluent.forget(version.fqid)
            return [version.number for version in every]
        if not live:
            raise ConfluentError(
                404, 40404, f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently"
            )
        await _refuse_if_referenced(tx, live)
        for version in live:
            await tx.confluent.set_deleted(version.fqid, True)
        return [version.number for version in live]


async def delete_version(registry: Registry, subject: Subject, number: int | None, *, permanent: bool) -> int:
    async with registry.repo.transaction() as tx:
        await require_writable(tx, subject)
        if not await tx.confluent.versions(subject, deleted=True):
            raise errors.subject_not_found(str(subject))
        # `latest` names the newest version still live (a permanent delete may name a soft-deleted one)
        target = await tx.confluent.version(subject, number, deleted=number is not None)
        if target is None:
            raise errors.version_not_found(str(subject), number if number is not None else "latest")
        if permanent:
            if not target.deleted:
                raise ConfluentError(
                    404,
                    40407,
                    f"Subject '{subject}' Version {target.number} was not deleted first before being "
                    "permanently deleted",
                )
            await tx.confluent.forget(target.fqid)
            return target.number
        if target.deleted:
            raise ConfluentError(
                404,
                40406,
                f"Subject '{subject}' Version {target.number} was soft deleted. Set permanent=true to "
                "delete permanently",
            )
        await _refuse_if_referenced(tx, [target])
        await tx.confluent.set_deleted(target.fqid, True)
        return target.number
