"""PEP 751 (pylock.toml) to locked packages for one platform, with its damaged-file checks."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reproenv.errors import bad_input, environment, redact
from reproenv.lock.model import LockedFile, LockedPipPackage
from reproenv.oci.platform import MACHINES
from reproenv.spec.model import Spec
from reproenv.spec.requirements import canonical_name

if TYPE_CHECKING:
    from packaging.tags import Tag


def parse_pylock(
    text: str,
    platform: str,
    spec: Spec,
    source: Path | None = None,
    *,
    local_ok: bool = False,
    urls: bool = False,
) -> tuple[LockedPipPackage, ...]:
    """Read a PEP 751 lock (uv's output, or the user's `source`); a source reproenv cannot pin
    by hash is refused, not dropped. Entries whose marker excludes the target, and wheels that
    do not install on it, are left out: a universal lock becomes this platform's. `urls` keeps
    each file's URL (a conda project's, for its conda-lock.yml); other locks go without, so
    their bytes stay as they were."""
    from packaging.markers import InvalidMarker, Marker  # not at import time: `lock --check`

    packages: list[LockedPipPackage] = []
    marker_env = _environment(spec.python, platform)
    tags = frozenset(_tags(spec.python, platform))
    for number, entry in enumerate(_pylock_packages(text, source)):
        name = canonical_name(entry["name"])
        try:
            excluded = "marker" in entry and not Marker(entry["marker"]).evaluate(marker_env)
        except InvalidMarker as exc:
            raise _bad_pylock(source, f"packages[{number}].marker: {exc}") from None
        if excluded:
            continue
        if "directory" in entry and local_ok:
            continue  # a local project: the lock lists it apart and the image builds it
        if "vcs" in entry and entry["vcs"].get("type") == "git" and entry["vcs"].get("commit-id"):
            packages.append(_vcs_package(name, entry, platform))
            continue
        for unsupported in ("vcs", "directory", "archive"):
            if unsupported in entry:
                raise bad_input(
                    f"{name} is a {unsupported} requirement; this version of reproenv locks "
                    "packages from an index only",
                    "unsupported-requirement",
                    "publish it to an index, or install it from a wheel in the project",
                    package=name,
                    file=", ".join(spec.requirements),
                )
        wheels = tuple(
            _file(w, urls) for w in entry.get("wheels", []) if _installs(_file(w).name, tags)
        )
        sdist = _file(entry["sdist"], urls) if "sdist" in entry and not wheels else None
        packages.append(
            LockedPipPackage(
                name=name,
                version=entry["version"],
                platforms=(platform,),
                wheels=wheels,
                sdist=sdist,
            )
        )
    return tuple(sorted(packages, key=lambda p: p.name))


def _vcs_package(name: str, entry: dict[str, Any], platform: str) -> LockedPipPackage:
    vcs = entry["vcs"]
    url = redact(str(vcs.get("url", "")), mask="")
    return LockedPipPackage(
        name=name,
        version=str(entry.get("version", "")),
        platforms=(platform,),
        vcs=f"git+{url}@{vcs['commit-id']}",
    )


_Fields = tuple[tuple[str, type, str], ...]  # key, type, the type in words
_PYLOCK_FIELDS: _Fields = (
    ("name", str, "a string"), ("version", str, "a string"), ("marker", str, "a string"),
    ("wheels", list, "an array of tables"), ("sdist", dict, "a table"),
    ("vcs", dict, "a table"),
)  # fmt: skip
_PYLOCK_FILE_FIELDS: _Fields = (
    ("name", str, "a string"), ("url", str, "a string"), ("path", str, "a string"),
    ("hashes", dict, "a table"),
)  # fmt: skip


def _pylock_packages(text: str, source: Path | None) -> list[dict[str, Any]]:
    """The [[packages]] of a PEP 751 lock, checked for the keys and types parse_pylock reads,
    so a damaged file is named instead of failing somewhere inside the parse."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad_pylock(source, f"not valid TOML ({exc})") from None
    packages = data.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise _bad_pylock(source, "packages must be an array of tables ([[packages]])")
    for number, entry in enumerate(packages):
        where = f"packages[{number}]"
        needed = ["name"] if {"vcs", "directory", "archive"} & entry.keys() else ["name", "version"]
        for key in needed:
            if key not in entry:
                raise _bad_pylock(source, f"{where} has no {key}")
        _check_types(source, where, entry, _PYLOCK_FIELDS)
        files = [(f"{where}.wheels[{i}]", w) for i, w in enumerate(entry.get("wheels", []))]
        files += [(f"{where}.sdist", entry["sdist"])] if "sdist" in entry else []
        for label, file in files:
            if not isinstance(file, dict):
                raise _bad_pylock(source, f"{label} must be a table")
            _check_types(source, label, file, _PYLOCK_FILE_FIELDS)
    return packages


def _check_types(source: Path | None, where: str, table: dict[str, Any], fields: _Fields) -> None:
    for key, kind, described in fields:
        if key in table and not isinstance(table[key], kind):
            raise _bad_pylock(
                source, f"{where}.{key} must be {described}, not {type(table[key]).__name__}"
            )


def _bad_pylock(source: Path | None, detail: str) -> Exception:
    if source is None:  # uv's own output: not the user's mistake
        return environment(
            f"uv wrote a lock reproenv cannot read: {detail}",
            "resolver-failed",
            "report this with the uv version; `reproenv doctor` prints it",
        )
    return bad_input(
        f"{source.name} is damaged: {detail}",
        "bad-lockfile-input",
        f"regenerate {source.name} with the tool that wrote it (`uv lock`, `uv pip compile -o "
        "pylock.toml`), or list requirements instead",
        file=str(source),
    )


def _environment(python: str, platform: str) -> dict[str, str]:
    """The PEP 508 environment of a CPython `python` on a Linux `platform`."""
    machine = MACHINES[platform]
    return {
        "python_version": python, "python_full_version": f"{python}.0", "os_name": "posix",
        "sys_platform": "linux", "platform_system": "Linux", "platform_machine": machine,
        "implementation_name": "cpython", "platform_python_implementation": "CPython",
        "platform_release": "", "platform_version": "", "implementation_version": f"{python}.0",
    }  # fmt: skip


@cache
def _tags(python: str, platform: str) -> tuple[Tag, ...]:
    """The wheel tags a manylinux_2_28 target of `platform` takes, most specific first (pip's
    order of preference)."""
    from packaging.tags import compatible_tags, cpython_tags

    machine = MACHINES[platform]
    major, minor = (int(part) for part in python.split("."))
    platforms = [f"manylinux_2_{glibc}_{machine}" for glibc in range(28, 4, -1)]
    platforms += [f"manylinux{alias}_{machine}" for alias in ("2014", "2010", "1")]
    return (
        *cpython_tags((major, minor), platforms=platforms),
        *compatible_tags((major, minor), platforms=platforms),
    )


def preferred_wheel(names: Iterable[str], python: str, platform: str) -> str | None:
    """The wheel among `names` pip would install on the target: the one whose best tag comes
    first in its order; None when none installs there."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    rank = {tag: number for number, tag in reversed(list(enumerate(_tags(python, platform))))}
    best: tuple[int, str] | None = None
    for name in names:
        try:
            found = [rank[t] for t in parse_wheel_filename(name)[3] if t in rank]
        except InvalidWheelFilename:
            continue
        if found and (best is None or (min(found), name) < best):
            best = (min(found), name)
    return best[1] if best else None


def _installs(filename: str, tags: frozenset[Tag]) -> bool:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    if not filename.endswith(".whl"):
        return False
    try:
        return not parse_wheel_filename(filename)[3].isdisjoint(tags)
    except InvalidWheelFilename:
        return False


def _file(entry: dict[str, object], urls: bool = False) -> LockedFile:
    url = str(entry.get("url") or entry.get("path") or "")
    name = str(entry.get("name") or url.rsplit("/", 1)[-1].split("#", 1)[0])
    hashes = entry.get("hashes")
    sha256 = hashes.get("sha256") if isinstance(hashes, dict) else None
    if not sha256:
        raise bad_input(f"no sha256 for {name} from the index", "missing-hash", file=name)
    # the index's URL, without credentials (the build adds them); a local path is no URL
    kept = redact(str(entry["url"]), mask="") if urls and entry.get("url") else None
    size = entry.get("size")
    return LockedFile(
        name=name,
        sha256=str(sha256),
        url=kept,
        size=size if isinstance(size, int) and size >= 0 else None,
    )
