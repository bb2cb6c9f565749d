"""`/config` and `/mode`: compatibility levels (Confluent's names) and read-only modes."""

from __future__ import annotations

from fastapi import APIRouter

from schemaline.registry.api.confluent.auth import Configurer, Reader
from schemaline.registry.api.confluent.params import ReadSubject, RegistryDep, WriteSubject
from schemaline.registry.confluent import configuration as conf
from schemaline.registry.confluent.requests import ConfigIn, ModeIn

router = APIRouter(tags=["config"])


# python-schema-registry-client asks for the global level at `config/` (its template with no subject)
@router.get("/config")
@router.get("/config/", include_in_schema=False)
async def get_global_config(registry: RegistryDep, _: Reader) -> dict[str, str]:
    return {"compatibilityLevel": (await conf.global_level(registry)).value}


@router.put("/config")
@router.put("/config/", include_in_schema=False)
async def put_global_config(registry: RegistryDep, body: ConfigIn, _: Configurer) -> dict[str, str]:
    level = body.level()
    await conf.set_global_level(registry, level)
    return {"compatibility": level.value}


@router.delete("/config")
async def delete_global_config(registry: RegistryDep, _: Configurer) -> dict[str, str]:
    """Back to the configured default; answers the level it replaced."""
    return {"compatibilityLevel": (await conf.set_global_level(registry, None)).value}


@router.get("/config/{subject}")
async def get_subject_config(
    registry: RegistryDep,
    subject: WriteSubject,
    _: Reader,
    defaultToGlobal: bool = False,  # noqa: N803
) -> dict[str, str]:
    level = await conf.subject_level(registry, subject, default_to_global=defaultToGlobal)
    return {"compatibilityLevel": level.value}


@router.put("/config/{subject}")
async def put_subject_config(
    registry: RegistryDep, subject: WriteSubject, body: ConfigIn, _: Configurer
) -> dict[str, str]:
    level = body.level()
    await conf.set_subject_level(registry, subject, level)
    return {"compatibility": level.value}


@router.delete("/config/{subject}")
async def delete_subject_config(registry: RegistryDep, subject: ReadSubject, _: Configurer) -> dict[str, str]:
    previous = await conf.set_subject_level(registry, subject, None)
    if previous is None:
        await conf.subject_level(registry, subject, default_to_global=False)  # 40408
    assert previous is not None
    return {"compatibilityLevel": previous.value}


@router.get("/mode")
async def get_global_mode(registry: RegistryDep, _: Reader) -> dict[str, str]:
    return {"mode": (await conf.get_global_mode(registry)).value}


@router.put("/mode")
async def put_global_mode(
    registry: RegistryDep, body: ModeIn, _: Configurer, force: bool = False
) -> dict[str, str]:
    return {"mode": (await conf.set_global_mode(registry, body.parsed())).value}


@router.get("/mode/{subject}")
async def get_subject_mode(
    registry: RegistryDep,
    subject: WriteSubject,
    _: Reader,
    defaultToGlobal: bool = False,  # noqa: N803
) -> dict[str, str]:
    return {"mode": (await conf.subject_mode(registry, subject, default_to_global=defaultToGlobal)).value}


@router.put("/mode/{subject}")
async def put_subject_mode(
    registry: RegistryDep, subject: WriteSubject, body: ModeIn, _: Configurer, force: bool = False
) -> dict[str, str]:
    return {"mode": (await conf.set_subject_mode(registry, subject, body.parsed())).value}


@router.delete("/mode/{subject}")
async def delete_subject_mode(registry: RegistryDep, subject: WriteSubject, _: Configurer) -> dict[str, str]:
    return {"mode": (await conf.set_subject_mode(registry, subject, None)).value}
