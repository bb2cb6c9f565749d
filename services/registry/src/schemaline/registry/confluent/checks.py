"""`POST /compatibility/subjects/{s}/versions[/{v}]`: the verdict a registration would get, as Confluent
words it, with the engine's changes beside it."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

from schemaline.contracts import ChangeSummary, Subject
from schemaline.registry.compat import assess, parse_candidate
from schemaline.registry.confluent import errors
from schemaline.registry.confluent.requests import SchemaIn
from schemaline.registry.errors import InvalidSchemaError
from schemaline.registry.model import SchemaVersion
from schemaline.registry.service import Registry
from schemaline.sdk.compat import Level


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    compatible: bool
    level: Level
    changes: tuple[ChangeSummary, ...]

    def messages(self) -> list[str]:
        return [errors.difference(change) for change in self.changes if not change.compatible]

    def changes_json(self) -> list[dict[str, Any]]:
        return [change.model_dump(mode="json") for change in self.changes]


async def check(
    registry: Registry, subject: Subject, body: SchemaIn, number: int | None, *, one: bool
) -> CheckOutcome:
    """Against version `number` (None: the latest) when `one`, else against what the level compares."""
    try:
        candidate = await asyncio.to_thread(parse_candidate, body.document())
    except InvalidSchemaError as exc:
        raise errors.invalid_schema(f"{exc.message} (at {exc.pointer or '/'})") from None
    references = body.parsed_references()
    async with registry.repo.transaction() as tx:
        config = await registry.config_of(tx, subject)
        history: list[SchemaVersion] = [v for v in await tx.versions(subject) if not v.deleted]
        if references:
            bundle = await tx.confluent.bundle(candidate.normalized, references)
            candidate = replace(candidate, bundle=json.loads(bundle))
        if one:
            target = await tx.confluent.version(subject, number, deleted=False)
            if target is None:
                if not history:
                    raise errors.subject_not_found(str(subject))
                raise errors.version_not_found(str(subject), number if number is not None else "latest")
            history = [v for v in history if v.fqid == target.fqid]
    if one:
        # One version named: compare with it alone, in the level's direction(s).
        config = replace(config, level=Level(config.level.value.removesuffix("_TRANSITIVE")))
    assessment = await asyncio.to_thread(assess, registry.checker, candidate, history, config)
    return CheckOutcome(assessment.verdict.compatible, config.level, assessment.changes)
