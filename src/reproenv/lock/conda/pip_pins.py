"""The pip entries of conda lock files, both ways.

In: a conda-lock.yml's or pixi.lock's pip entries become reproenv.lock's pip pins, the files
and sha256s the file names, used as they are (never resolved again). The spec's own pip
requirements are resolved around them: each pin is a constraint of that resolution (a
requirement that wants another version fails there, naming both), and replaces what pip
resolved for its name on its platforms.

Out: the lock's pip pins as conda-lock.yml's pip entries, one per package and platform, for
the file pip installs there (conda-lock keeps one file per platform too).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from reproenv.lock.conda.lockfiles import PipEntry, pip_file_name
from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.oci.platform import MACHINES
from reproenv.spec.requirements import canonical_name


def pins_from_entries(entries: Iterable[PipEntry]) -> tuple[LockedPipPackage, ...]:
    """One pin per file, with every platform the lock file installs it on."""
    found: dict[tuple[str, str, LockedFile], set[str]] = {}
    for entry in entries:
        name = pip_file_name(entry.url)
        if name is None:  # the readers refuse these, naming the file and key
            raise ValueError(f"{entry.url} is not a wheel or an sdist")
        file = LockedFile(name=name, sha256=entry.sha256, url=entry.url)
        key = (canonical_name(entry.name), entry.version, file)
        found.setdefault(key, set()).add(entry.platform)
    pins = (
        LockedPipPackage(
            name=name,
            version=version,
            platforms=tuple(sorted(platforms)),
            wheels=(file,) if file.name.endswith(".whl") else (),
            sdist=None if file.name.endswith(".whl") else file,
        )
        for (name, version, file), platforms in found.items()
    )
    return tuple(sorted(pins, key=_order))


def pin_constraints(pins: Sequence[LockedPipPackage], platforms: Sequence[str]) -> tuple[str, ...]:
    """The pins as constraint lines of the spec's own pip resolution: plain where every platform
    pins the same version, else one line per platform under its machine's marker."""
    versions: dict[str, dict[str, str]] = {}
    for pin in pins:
        for platform in pin.platforms:
            versions.setdefault(pin.name, {})[platform] = pin.version
    lines: list[str] = []
    for name, pinned in sorted(versions.items()):
        if set(pinned) >= set(platforms) and len(set(pinned.values())) == 1:
            lines.append(f"{name}=={next(iter(pinned.values()))}")
            continue
        lines += (
            f'{name}=={version} ; platform_machine == "{MACHINES[platform]}"'
            for platform, version in sorted(pinned.items())
        )
    return tuple(lines)


def with_pins(
    resolved: Iterable[LockedPipPackage], pins: Sequence[LockedPipPackage]
) -> tuple[LockedPipPackage, ...]:
    """`resolved` with each pin in place of what was resolved for its name on its platforms."""
    taken = {(pin.name, platform) for pin in pins for platform in pin.platforms}
    kept: list[LockedPipPackage] = []
    for package in resolved:
        left = tuple(p for p in package.platforms if (package.name, p) not in taken)
        if left == package.platforms:
            kept.append(package)
        elif left:
            kept.append(package.model_copy(update={"platforms": left}))
    return tuple(sorted((*kept, *pins), key=_order))


def entries_from_pins(
    packages: Iterable[LockedPipPackage], python: str, platforms: Sequence[str]
) -> tuple[PipEntry, ...]:
    """conda-lock.yml's pip entries of `packages` for `platforms`: for each, the wheel pip
    picks on the platform, else the sdist. A pin without a file URL (given hashes, a git
    commit, a pip-tools lock) has no entry: conda-lock cannot name it."""
    return tuple(
        sorted(_entries(packages, python, platforms), key=lambda e: (e.name, e.platform, e.url))
    )


def _entries(
    packages: Iterable[LockedPipPackage], python: str, platforms: Sequence[str]
) -> Iterator[PipEntry]:
    from reproenv.lock.pip.pylock import preferred_wheel

    for package in packages:
        for platform in sorted(set(package.platforms) & set(platforms)):
            wheels = {wheel.name: wheel for wheel in package.wheels}
            best = preferred_wheel(wheels, python, platform)
            file = wheels[best] if best else package.sdist
            if file is not None and file.url is not None:
                yield PipEntry(package.name, package.version, file.url, file.sha256, platform)


def _order(package: LockedPipPackage) -> tuple[str, tuple[str, ...], str]:
    return (package.name, package.platforms, package.version)
