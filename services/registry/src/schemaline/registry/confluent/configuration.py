"""Compatibility levels and modes through Confluent's `/config` and `/mode`.

Levels are the registry's own: a subject's level set here is the level every proposal of that
subject is checked at, whichever API it came through. The policy (strict/lenient) is untouched.
"""

from __future__ import annotations

from schemaline.contracts import Subject
from schemaline.registry.confluent.errors import ConfluentError
from schemaline.registry.confluent.requests import Mode
from schemaline.registry.repository import Tx
from schemaline.registry.service import GLOBAL_LEVEL, Registry
from schemaline.sdk.compat import Level

GLOBAL_MODE = "mode"


async def global_level(registry: Registry) -> Level:
    async with registry.repo.transaction() as tx:
        stored = await tx.confluent.setting(GLOBAL_LEVEL)
    return Level(stored) if stored else registry.defaults.level


async def set_global_level(registry: Registry, level: Level | None) -> Level:
    """Set (None: back to the configured default) the global level; returns the one it replaced."""
    previous = await global_level(registry)
    async with registry.repo.transaction() as tx:
        await tx.confluent.set_setting(GLOBAL_LEVEL, level.value if level else None)
    return previous


async def subject_level(registry: Registry, subject: Subject, *, default_to_global: bool) -> Level:
    async with registry.repo.transaction() as tx:
        own = await _own_level(tx, subject)
        applied = await registry.config_of(tx, subject)
    if own is not None:
        return own
    if default_to_global:
        return applied.level
    raise ConfluentError(
        404, 40408, f"Subject '{subject}' does not have subject-level compatibility configured"
    )


async def _own_level(tx: Tx, subject: Subject) -> Level | None:
    summary = next((item for item in await tx.list_subjects() if item.subject == subject), None)
    return summary.level if summary else None


async def set_subject_level(registry: Registry, subject: Subject, level: Level | None) -> Level | None:
    """Set (None: remove) the subject's own level, keeping its own policy; returns the previous one."""
    async with registry.repo.transaction() as tx:
        await tx.ensure_subject(subject, registry.now())
        summary = next(item for item in await tx.list_subjects() if item.subject == subject)
        await tx.set_subject_config(subject, level, summary.policy)
    return summary.level


async def global_mode(tx: Tx) -> Mode:
    stored = await tx.confluent.setting(GLOBAL_MODE)
    return Mode(stored) if stored else Mode.READWRITE


async def effective_mode(tx: Tx, subject: Subject) -> Mode:
    own = await tx.confluent.subject_mode(subject)
    return Mode(own) if own else await global_mode(tx)


async def get_global_mode(registry: Registry) -> Mode:
    async with registry.repo.transaction() as tx:
        return await global_mode(tx)


async def set_global_mode(registry: Registry, mode: Mode) -> Mode:
    async with registry.repo.transaction() as tx:
        await tx.confluent.set_setting(GLOBAL_MODE, mode.value)
    return mode


async def subject_mode(registry: Registry, subject: Subject, *, default_to_global: bool) -> Mode:
    async with registry.repo.transaction() as tx:
        own = await tx.confluent.subject_mode(subject)
        if own:
            return Mode(own)
        if default_to_global:
            return await global_mode(tx)
    raise ConfluentError(404, 40409, f"Subject '{subject}' does not have subject-level mode configured")


async def set_subject_mode(registry: Registry, subject: Subject, mode: Mode | None) -> Mode:
    """Set (None: remove) the subject's mode; returns the mode set, or for a removal the one removed."""
    async with registry.repo.transaction() as tx:
        await tx.ensure_subject(subject, registry.now())
        previous = await effective_mode(tx, subject)
        await tx.confluent.set_subject_mode(subject, mode.value if mode else None)
    return mode or previous


async def require_writable(tx: Tx, subject: Subject) -> None:
    """Registrations and deletions need READWRITE (Confluent answers 42205 in the read-only modes)."""
    mode = await effective_mode(tx, subject)
    if mode is not Mode.READWRITE:
        raise ConfluentError(422, 42205, f"Subject {subject} is in read-only mode ({mode.value})")
