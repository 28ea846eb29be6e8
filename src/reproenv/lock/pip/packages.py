"""Locked pip packages across platforms: names, merging, and the pins built from source."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from reproenv.errors import bad_input
from reproenv.lock.model import LockedPipPackage
from reproenv.spec.model import Spec

_T = TypeVar("_T")


def each_platform(
    platforms: tuple[str, ...], one: Callable[[str], _T], *, parallel: bool = True
) -> list[_T]:
    """`one(platform)` for each platform, in order; all at once when `parallel` and there are
    several (each run of a resolver waits on the index, not the CPU). The first failure is
    raised, in platform order."""
    if not parallel or len(platforms) < 2:
        return [one(platform) for platform in platforms]
    with ThreadPoolExecutor(max_workers=len(platforms)) as pool:
        runs = [pool.submit(one, platform) for platform in platforms]
        return [run.result() for run in runs]


def merge_platforms(
    per_platform: list[tuple[LockedPipPackage, ...]],
) -> tuple[LockedPipPackage, ...]:
    """One entry per distinct (name, version, files); platforms that share it are listed."""
    merged: dict[tuple[object, ...], LockedPipPackage] = {}
    for packages in per_platform:
        for package in packages:
            key = (package.name, package.version, package.wheels, package.sdist)
            if key in merged:
                known = merged[key]
                platforms = tuple(sorted({*known.platforms, *package.platforms}))
                merged[key] = known.model_copy(update={"platforms": platforms})
            else:
                merged[key] = package
    return tuple(sorted(merged.values(), key=lambda p: (p.name, p.platforms, p.version)))


def source_only(packages: tuple[LockedPipPackage, ...]) -> tuple[LockedPipPackage, ...]:
    """Pins with no wheel for their platforms: pip builds them from the sdist in the image."""
    return tuple(p for p in packages if p.sdist is not None and not p.wheels)


def refuse_source_only(spec: Spec, packages: tuple[LockedPipPackage, ...]) -> None:
    """pip.only-wheels: a pin that would be built from source is an error, with its input line
    (uv already avoids them; this covers the other backend and inputs used as they are)."""
    built = source_only(packages)
    if not built:
        return
    from reproenv.lock.inputs import locate_requirements

    first = built[0]
    asked = locate_requirements(spec, {p.name for p in built})
    where = "\nasked for by:\n" + "\n".join(f"  {line}" for line in asked) if asked else ""
    names = ", ".join(f"{p.name} {p.version}" for p in built)
    raise bad_input(
        f"{names} has no wheel for Python {spec.python} on {', '.join(first.platforms)}, and "
        f"pip.only-wheels = true refuses to build it from source in the image{where}",
        "source-only-pin",
        "pin a version that ships wheels for the target, or set pip.only-wheels = false",
        file=str(spec.source),
        key="pip.only-wheels",
        package=", ".join(p.name for p in built),
    )
